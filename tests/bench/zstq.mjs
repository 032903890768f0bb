// DuckDB's side of zstd-compare.sh and gzip-compare.sh: the issue-4 query on a CSV file, a
// .zst or .gz file or /dev/stdin.
//   node zstq.mjs FILE OUT.csv      threads: $DUCKDB_THREADS (default 2)
// FILE ending in .zst is read with compression = 'zstd', in .gz with 'gzip'; /dev/stdin with
// compression = 'none'.
// Uses the DuckDB node package the shared bench kit installs (BENCH_NODE_DIR).
import { createRequire } from 'node:module';
import path from 'node:path';

const nodeDir = process.env.BENCH_NODE_DIR || '/tmp/pcsvbench/node';
const { DuckDBInstance } = createRequire(path.join(nodeDir, 'package.json'))('@duckdb/node-api');
const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node zstq.mjs FILE OUT.csv');
  process.exit(2);
}
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const comp = file.endsWith('.zst') ? 'zstd' : file.endsWith('.gz') ? 'gzip' : 'none';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`SET threads = ${parseInt(process.env.DUCKDB_THREADS || '2', 10)}`);
await con.run(`COPY (SELECT country, count(*) AS count, sum(price) AS price_sum
                     FROM read_csv(${lit(file)}, header = true, compression = ${lit(comp)})
                     GROUP BY country ORDER BY country)
               TO ${lit(out)} (FORMAT csv, HEADER true, USE_TMP_FILE false)`);
