// Local SQS emulator for sesami's compose stack (fauxqs, SQS JSON protocol).
//
// Queue URLs look like http://sqs.<region>.<FAUXQS_HOST>:<port>/000000000000/<name>;
// compose gives this container that name as a network alias, so the URL the
// emulator returns is also a URL the other containers can reach.  fauxqs
// 1.9.2 matches queue URLs exactly, so every client must use that URL.
import { startFauxqs } from "fauxqs";

const port = Number(process.env.PORT ?? 4566);
const host = process.env.FAUXQS_HOST ?? "sqs";

const server = await startFauxqs({ port, host, logger: false });
console.log(`fauxqs listening on port ${server.port}, queue host ${host}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop?.();
    process.exit(0);
  });
}
