import assert from "node:assert/strict";
import { Signal } from "signalry";

class Server {
  constructor(readonly name: string) {}
}

// Type arguments: the params a send carries, who sends, what receivers return.
const loggedIn = new Signal<{ user: string }, Server, string>();
const [api, admin] = [new Server("api"), new Server("admin")];

// A receiver gets one object: the params, plus `signal` and `sender`.
loggedIn.connect(({ sender, user }) => `${user} logged in to ${sender.name}`);
// This one hears the admin server only.
loggedIn.connect(({ user }) => `audit: ${user}`, { sender: admin });

// A send returns a [receiver, response] pair per receiver, in connection order.
const responses = loggedIn.send(admin, { user: "ada" });
assert.deepEqual(responses.map(([, response]) => response), [
  "ada logged in to admin",
  "audit: ada",
]);
assert.equal(loggedIn.send(api, { user: "bob" }).length, 1);
