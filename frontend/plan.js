// A safety plan's words, and one way to show one: on the takeover (pause.js) and on the
// screens. No imports: the takeover must work with nothing else loaded.

/** What helps, as the API names it (schemas/safety.py), in words. */
/** @type {Record<string, string>} */
export const HELP_WORDS = {
  "longer-transitions": "More time between one thing and the next",
  "slower-pacing": "Going more slowly",
  "change-position": "A change of position",
  "change-room": "Moving to another room",
  "being-held": "Being held",
  "being-given-space": "Being given some space",
};

/**
 * Each part of a plan: its name in the API, its heading for its owner, and for the
 * partner who reads it.
 * @type {Record<string, [string, string]>}
 */
export const PART_WORDS = {
  triggers: ["What can bring it back for me", "What can bring it back for them"],
  helps: ["What helps me when it does", "What helps them"],
  avoid: ["Please don't", "Please don't"],
  grounding: ["Words that ground me", "Words that ground them"],
  topics: ["Safe things to talk about", "Safe things to talk about"],
};
export const PARTS = Object.keys(PART_WORDS);
// Where someone has stopped: their partner reads "please don't" first; the one who
// stopped reads what grounds and helps them, never their own triggers at that moment.
export const FOR_THE_PARTNER = ["avoid", "helps", "grounding", "topics", "triggers"];
export const FOR_MYSELF = ["grounding", "helps", "topics"];

/**
 * What one part of a plan holds, as lines of text (none when it holds nothing).
 * @param {any} plan  a SafetyPlanOut or SafetyCardOut
 * @param {string} part
 * @returns {string[]}
 */
export function partLines(plan, part) {
  if (part === "helps") {
    return [...(plan.helps || []).map((/** @type {string} */ k) => HELP_WORDS[k] || k), plan.helps_words].filter(Boolean);
  }
  return plan[part] ? [plan[part]] : [];
}

/**
 * The parts of a plan that hold something, in the order given, as a list of headed
 * entries; null when none holds anything.
 * @param {any} plan
 * @param {"mine" | "theirs"} whose
 * @param {string[]} [order]
 * @returns {HTMLElement | null}
 */
export function planList(plan, whose, order = PARTS) {
  const list = document.createElement("dl");
  list.className = "plan-list";
  for (const part of order) {
    const lines = partLines(plan, part);
    if (!lines.length) continue;
    const term = document.createElement("dt");
    term.textContent = PART_WORDS[part][whose === "mine" ? 0 : 1];
    list.append(term);
    for (const line of lines) {
      const text = document.createElement("dd");
      text.textContent = line;
      list.append(text);
    }
  }
  return list.childElementCount ? list : null;
}
