import { DEFAULT_GRAPHIQL_DIR, buildGraphiql } from '../web/graphiql-bundle.js';

// `npm run build:graphiql -w @emporium/gateway [dir]`: builds the GraphiQL bundle ahead of time (the
// container image does; it carries no esbuild). A file of its own, so that no module the gateway
// imports runs a command when loaded — the gateway may be bundled into one file by `npm start`.

const dir = process.argv[2] ?? DEFAULT_GRAPHIQL_DIR;
buildGraphiql(dir).then(
  () => process.stdout.write(`GraphiQL bundle built in ${dir}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
