// Runs the region watch's state machine (Amazon States Language) in
// aws-local-stepfunctions, once per line of input, with every Task state
// answered by the Go test's fake AWS over HTTP (POST <fake>/call). Input:
// one JSON object {definition, fake, runs: [{id}]}; output: one
// JSON line per run {id, status, error, cause}.
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node.js 22);
// the machines here run Node.js 20.
Promise.withResolvers ??= () => {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const { definition, fake, runs } = JSON.parse(Buffer.concat(chunks).toString());
const def = JSON.parse(definition);

// Every Task state, in Map processors too, answered by the fake; every
// retry made instant.
const handlers = {}, retries = {};
const visit = (states) => {
  for (const [name, s] of Object.entries(states)) {
    if (s.Type === 'Task') {
      handlers[name] = async (input) => {
        const res = await fetch(`${fake}/call`, {
          method: 'POST',
          body: JSON.stringify({ run: current, state: name, resource: s.Resource, input }),
        });
        const out = await res.json();
        if (out.error) {
          const e = new Error(out.cause ?? out.error);
          e.name = out.error;
          throw e;
        }
        return out.result;
      };
      retries[name] = 0;
    }
    if (s.ItemProcessor) visit(s.ItemProcessor.States);
    if (s.Iterator) visit(s.Iterator.States);
    for (const b of s.Branches ?? []) visit(b.States);
  }
};
visit(def.States);

const machine = new StateMachine(def, { validationOptions: { checkArn: false } });
let current = '';
for (const run of runs) {
  current = run.id;
  const execution = machine.run({}, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides: retries },
    context: {
      // The interpreter sets Execution.StartTime to the real time of the run.
      Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:watch:${run.id}` },
      StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:watch' },
    },
  });
  let line;
  try {
    await execution.result;
    line = { id: run.id, status: 'SUCCEEDED' };
  } catch (e) {
    line = { id: run.id, status: 'FAILED', error: e.name, cause: e.message };
  }
  process.stdout.write(JSON.stringify(line) + '\n');
}
