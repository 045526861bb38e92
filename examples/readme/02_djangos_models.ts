import assert from "node:assert/strict";
import { Signal } from "signalry";

abstract class Model {
  static table = "models";
  constructor(readonly id: number) {}
}
class User extends Model {
  static override table = "users";
  constructor(readonly email: string) {
    super(1);
  }
}

// Any model class, whatever its constructor takes, with Model's statics.
type ModelClass = (abstract new (...args: never) => Model) & { table: string };
const postSave = new Signal<{ instance: Model }, ModelClass>();

// The uniqueId is Django's dispatch_uid: connecting twice changes nothing,
// unless `replace: true` swaps the receiver in place (for hot reload).
const log = ({ sender }: { sender: ModelClass }) => `saved in ${sender.table}`;
postSave.connect(() => "stale", { uniqueId: "log" });
postSave.connect(() => "ignored", { uniqueId: "log" });
postSave.connect(log, { uniqueId: "log", replace: true });
// Connected for User, `sender` is typeof User: no cast.
postSave.connect(({ sender }) => sender.name, { sender: User });

const said = postSave.send(User, { instance: new User("ada@example.com") });
assert.deepEqual(said.map(([, text]) => text), ["saved in users", "User"]);
