// The chat's reply box sends on Enter, as chat boxes do, and Shift+Enter starts a new line. The page's own key handler
// sends (on the server, which has every letter typed so far); this only keeps Enter from adding a line break first.
// Not while an input method is composing, where Enter picks the characters.
document.addEventListener('keydown', (event) => {
  const box = event.target;
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing
      && box instanceof HTMLTextAreaElement && box.hasAttribute('data-enter-sends')) {
    event.preventDefault();
  }
});
