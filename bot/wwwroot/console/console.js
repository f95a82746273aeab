// Small browser-side helpers of the agent console, loaded as an ES module (no inline scripts: the CSP forbids them).

let audio;

/** A chime heard this long after its chat arrived would only confuse: it is dropped. */
const staleAfterMs = 10_000;

/**
 * A short two-note chime for a new chat in the queue. Browsers start sound only once the agent has interacted with
 * the page (autoplay policy); until then the chime waits and is dropped when stale: the highlight and the page title
 * still tell. Each chime that played is counted in <html data-chimes>.
 */
export function chime() {
  audio ??= new AudioContext();
  const asked = performance.now();
  audio.resume().then(() => {
    if (performance.now() - asked > staleAfterMs) {
      return;
    }

    const now = audio.currentTime;
    for (const [i, frequency] of [880, 1320].entries()) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, now + i * 0.15);
      gain.gain.exponentialRampToValueAtTime(0.2, now + i * 0.15 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.15 + 0.14);
      tone.connect(gain).connect(audio.destination);
      tone.start(now + i * 0.15);
      tone.stop(now + i * 0.15 + 0.15);
    }

    const root = document.documentElement.dataset;
    root.chimes = String(Number(root.chimes ?? 0) + 1);
  }, () => {});
}
