// DuckDB's side of groups-growth.sh: node groupq.mjs FILE.csv OUT.csv
//   COPY (SELECT k, count(*), sum(v) FROM read_csv(FILE) GROUP BY k) TO OUT
// Threads: $DUCKDB_THREADS (default 2). Uses the DuckDB node package the shared bench kit
// installs (BENCH_NODE_DIR).
import { createRequire } from 'node:module';
import path from 'node:path';

const nodeDir = process.env.BENCH_NODE_DIR || '/tmp/pcsvbench/node';
const { DuckDBInstance } = createRequire(path.join(nodeDir, 'package.json'))('@duckdb/node-api');
const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node groupq.mjs FILE.csv OUT.csv');
  process.exit(2);
}
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`SET threads = ${parseInt(process.env.DUCKDB_THREADS || '2', 10)}`);
await con.run(`COPY (SELECT k, count(*) AS count, sum(v) AS v_sum
                     FROM read_csv(${lit(file)}, header = true) GROUP BY k)
               TO ${lit(out)} (FORMAT csv, HEADER true, USE_TMP_FILE false)`);
