/**
 * `npm run bench`: every benchmark in turn, each side by side with its reference server in the same
 * run. Results go to stdout (nothing is written into the repository). Pick some with
 * `npm run bench -- smtp pop3`.
 */
import { benchHttp } from './http.js';
import { benchImap } from './imap.js';
import { benchPop3 } from './pop3.js';
import { benchSessions } from './sessions.js';
import { benchSmtp } from './smtp.js';
import { benchStore } from './store.js';
import { benchUi } from './ui.js';

const BENCHES: Record<string, () => Promise<string>> = {
  smtp: benchSmtp,
  imap: benchImap,
  pop3: benchPop3,
  ui: benchUi,
  http: benchHttp,
  store: benchStore,
  sessions: benchSessions,
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(BENCHES);
for (const name of wanted) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  const started = Date.now();
  try {
    console.log(await bench());
  } catch (err) {
    console.log(`${name}: failed — ${(err as Error).stack ?? String(err)}`);
  }
  console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
