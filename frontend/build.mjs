// Copy the browser libraries we serve from node_modules into static/vendor (no CDN).
import { copyFileSync, mkdirSync } from "node:fs";
const out = new URL("./static/vendor/", import.meta.url);
mkdirSync(out, { recursive: true });
const files = {
  "htmx.min.js": "node_modules/htmx.org/dist/htmx.min.js",
  "alpine.min.js": "node_modules/alpinejs/dist/cdn.min.js",
  "twilio.min.js": "node_modules/@twilio/voice-sdk/dist/twilio.min.js",
  "chart.umd.js": "node_modules/chart.js/dist/chart.umd.js",
};
for (const [name, src] of Object.entries(files)) {
  copyFileSync(new URL(src, import.meta.url), new URL(name, out));
  console.log(`vendored ${src} -> static/vendor/${name}`);
}
