// A chat's transcript scrolls inside its own box, newest line last, as chat windows do: it opens at the newest lines and
// follows each new one, unless the agent has scrolled up to read back (then it stays where they are).
const slackPx = 48;
const following = new WeakMap(); // transcript box -> it was at the bottom before the latest change

function atBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < slackPx;
}

function watch(box) {
  if (following.has(box)) {
    return;
  }

  following.set(box, true);
  box.scrollTop = box.scrollHeight;
  box.addEventListener('scroll', () => following.set(box, atBottom(box)), { passive: true });
  new MutationObserver(() => {
    if (following.get(box)) {
      box.scrollTop = box.scrollHeight;
    }
  }).observe(box, { childList: true, subtree: true, characterData: true });
}

// The console re-renders pages without reloading them: a transcript may appear at any time.
new MutationObserver(() => document.querySelectorAll('.transcript').forEach(watch))
  .observe(document.documentElement, { childList: true, subtree: true });
document.querySelectorAll('.transcript').forEach(watch);
