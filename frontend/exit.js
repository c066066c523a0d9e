// Quick exit, on its own: a button and Shift pressed three times within a second.
// It clears the screen, then replaces this page in history (it adds no entry, but it
// cannot erase the entries already there: the settings screen says so).

export const NEUTRAL_PAGE = "https://www.bbc.co.uk/weather";

/** Clears the screen and leaves for a neutral page, adding no history entry. */
export function quickExit() {
  try {
    document.title = "Weather";
    document.body.replaceChildren();
    document.documentElement.style.background = "#ffffff";
    sessionStorage.clear();
  } catch {
    /* leave regardless */
  }
  window.location.replace(NEUTRAL_PAGE);
}

/** @type {number[]} */
const presses = [];
document.addEventListener("keydown", (e) => {
  if (e.key !== "Shift" || e.repeat) return;
  const now = performance.now();
  presses.push(now);
  while (presses.length && now - presses[0] > 1000) presses.shift();
  if (presses.length >= 3) quickExit();
});

function wire() {
  const btn = document.getElementById("quick-exit");
  if (btn) btn.addEventListener("click", quickExit);
}
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
else wire();
