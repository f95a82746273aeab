// Small browser-side helpers of the agent console, loaded as an ES module (no inline scripts: the CSP forbids them).

let audio;

/** A short two-note chime for a new chat in the queue. Browsers may refuse sound until the agent has clicked; that is fine. */
export function chime() {
  audio ??= new AudioContext();
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
  document.documentElement.dataset.chimes = String(Number(document.documentElement.dataset.chimes ?? 0) + 1);
}
