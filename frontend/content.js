// The app's own reading: grounding exercises, learn cards and the support list, kept as
// data in content/*.json. They are files of the shell, so the service worker serves them
// from the phone: they open offline and signed out, and nothing is asked of any server
// but this one.

/**
 * @typedef {{words: string, seconds: number}} Phase
 * @typedef {{key: string, title: string, when: string, intro: string, steps: string[], after: string}} Exercise
 * @typedef {{title: string, intro: string, more: string,
 *   breathing: {title: string, when: string, intro: string, ready: string, stopped: string, phases: Phase[], note: string},
 *   exercises: Exercise[]}} Grounding
 * @typedef {{key: string, title: string, body: string[], also_called?: string, links: ("ground" | "support")[]}} Card
 * @typedef {{key: string, title: string, intro: string, cards: Card[]}} LearnPath
 * @typedef {{title: string, intro: string, paths: LearnPath[]}} Learn
 * @typedef {{name: string, about: string, phone: string, sms?: string, web?: string, hours: string, partners?: boolean}} Line
 * @typedef {{code: string, name: string, the?: boolean, emergency: string, lines: Line[], find: string[]}} Country
 * @typedef {{title: string, body: string[]}} Section
 * @typedef {{title: string, intro: string, reassure: string, chooser: {label: string, hint: string}, partners_mark: string,
 *   safety: string, default: {name: string, danger: string, find: string[]}, countries: Country[],
 *   therapist: Section, groups: Section, partners: Section}} Support
 * @typedef {{grounding: Grounding, learn: Learn, support: Support}} Contents
 */

/** @type {Map<string, Promise<any>>} */
const loaded = new Map();

/**
 * One of the content files, read once per page; a failed read is tried again next time.
 * @template {keyof Contents} K
 * @param {K} name
 * @returns {Promise<Contents[K]>}
 */
export function content(name) {
  let reading = loaded.get(name);
  if (!reading) {
    reading = fetch(`/content/${name}.json`).then((res) => {
      if (!res.ok) throw new Error(`${name}: ${res.status}`);
      return res.json();
    });
    reading.catch(() => loaded.delete(name));
    loaded.set(name, reading);
  }
  return reading;
}
