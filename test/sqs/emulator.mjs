// emulator.mjs — start the fauxqs SQS emulator on 127.0.0.1:<port> for sesami's tests.
//
// Usage: node test/sqs/emulator.mjs PORT
// Prints "ready <port>" on stdout once it accepts connections; runs until killed.
// fauxqs is started through its API because its CLI ignores the logger switch.
// Note: fauxqs 1.9.2 always listens on 0.0.0.0 (its `host` option only names
// the host in the queue URLs it returns); clients here talk to 127.0.0.1.
import { startFauxqs } from "fauxqs";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
	console.error("usage: node emulator.mjs PORT");
	process.exit(2);
}
await startFauxqs({ port, host: "127.0.0.1", logger: false });
console.log(`ready ${port}`);
