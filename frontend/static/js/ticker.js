// A dedicated worker that ticks: browsers throttle timers of background tabs (down to once
// a minute), which would stop a hidden desk's heartbeat and log its agent out. Messages
// from a worker are not throttled that way. Started by live.js with ?ms=<interval>.
const ms = Number(new URL(self.location.href).searchParams.get("ms")) || 2000;
setInterval(() => self.postMessage("tick"), ms);
