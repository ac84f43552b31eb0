// Once per `vitest run`: decide whether the PostgreSQL suites can run, say so plainly, and
// clean up the schemas the run created.
import { dropRunSchemas, PG_URL, probePg } from './helpers/pg';

export default async function setup() {
  process.env.MNS_RUN_ID ??= `r${Date.now().toString(36)}`;
  const problem = await probePg();
  if (problem) {
    if (process.env.CI) {
      throw new Error(`PostgreSQL is required in CI but unreachable at ${PG_URL}: ${problem}`);
    }
    process.env.MNS_PG = 'off';
    console.log(
      `\n[mastra-native-store] PostgreSQL suites SKIPPED: no server at ${PG_URL} (${problem}).\n` +
        '  To run them, start PostgreSQL or point DATABASE_URL (or POSTGRES_URL) at one.\n',
    );
  } else {
    process.env.MNS_PG = 'on';
    console.log(`\n[mastra-native-store] PostgreSQL suites run against ${PG_URL}\n`);
  }
  return async () => {
    if (process.env.MNS_PG === 'on') await dropRunSchemas();
  };
}
