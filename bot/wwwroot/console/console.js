// Small browser-side helpers of the agent console, loaded as an ES module (no inline scripts: the CSP forbids them).

let audio;

/**
 * A short two-note chime for a new chat in the queue. Browsers keep sound off until the agent has interacted with
 * the page (autoplay policy); then the chime is skipped, and the highlight and the page title still tell.
 * Each chime that played is counted in <html data-chimes>, each skipped one in data-chimes-blocked.
 */
export async function chime() {
  const root = document.documentElement.dataset;
  audio ??= new AudioContext();
  if (audio.state !== 'running') {
    // Without an earlier click, resume() stays pending: give it a moment, not forever.
    await Promise.race([audio.resume().catch(() => {}), new Promise(done => setTimeout(done, 300))]);
  }

  if (audio.state !== 'running') {
    root.chimesBlocked = String(Number(root.chimesBlocked ?? 0) + 1);
    return false;
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

  root.chimes = String(Number(root.chimes ?? 0) + 1);
  return true;
}
