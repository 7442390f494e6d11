// mongo-init (docker-compose.yml): initiates the replica set rs0 of mongo1..3 once. Run again, it
// finds the set initiated and only waits for a primary, so `docker-compose up` may repeat it.
/* global Mongo, rs, sleep, print -- mongosh's shell globals */
const members = ['mongo1:27017', 'mongo2:27017', 'mongo3:27017'];

function waitFor(what, check, seconds) {
  for (let waited = 0; ; waited += 1) {
    try {
      if (check()) return;
    } catch (error) {
      if (waited >= seconds) throw error;
    }
    if (waited >= seconds) throw new Error(`timed out waiting for ${what}`);
    sleep(1000);
  }
}

// Every member must answer before the set is initiated with it.
for (const host of members) {
  waitFor(host, () => new Mongo(host).getDB('admin').runCommand({ ping: 1 }).ok === 1, 120);
}

let initiated = true;
try {
  rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  initiated = false;
}
if (!initiated) {
  // mongo1 is preferred as primary so that a fresh set elects quickly and predictably.
  rs.initiate({ _id: 'rs0', members: members.map((host, index) => ({ _id: index, host, priority: index === 0 ? 2 : 1 })) });
  print('replica set rs0 initiated');
} else {
  print('replica set rs0 already initiated');
}
waitFor('a primary', () => rs.status().members.some((member) => member.stateStr === 'PRIMARY'), 120);
print('replica set rs0 has a primary');
