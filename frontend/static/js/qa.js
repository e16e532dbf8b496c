// QA evaluation page: the player, its waveform (drawn from the decoded audio) and the
// comment timeline. Alpine component `qaPlayer(duration)`.
function stamp(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

async function drawWaveform(audio, canvas) {
  try {
    const resp = await fetch(audio.currentSrc || audio.src, { credentials: "same-origin" });
    const data = await resp.arrayBuffer();
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    const buffer = await new Ctx().decodeAudioData(data);
    const samples = buffer.getChannelData(0);
    const width = (canvas.width = canvas.clientWidth || 600);
    const height = canvas.height;
    const step = Math.max(1, Math.floor(samples.length / width));
    const g = canvas.getContext("2d");
    g.clearRect(0, 0, width, height);
    g.fillStyle = getComputedStyle(document.body).getPropertyValue("--accent") || "#2563eb";
    for (let x = 0; x < width; x++) {
      let peak = 0;
      for (let i = x * step; i < (x + 1) * step && i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]));
      const h = Math.max(1, peak * height);
      g.fillRect(x, (height - h) / 2, 1, h);
    }
    canvas.dataset.drawn = "1";
  } catch (e) {
    canvas.dataset.drawn = "error";
  }
}

document.addEventListener("alpine:init", () => {
  window.Alpine.data("qaPlayer", (duration) => ({
    now: 0,
    duration,
    init() {
      const audio = document.getElementById("player");
      const canvas = document.getElementById("waveform");
      if (audio && canvas) drawWaveform(audio, canvas);
    },
    seek(seconds) {
      const audio = document.getElementById("player");
      if (audio) { audio.currentTime = seconds; audio.play().catch(() => {}); }
    },
    stamp,
  }));
});
