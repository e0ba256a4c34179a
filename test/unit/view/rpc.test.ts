import assert from 'node:assert/strict';
import { RequestClient, RequestFailed, RequestRouter, type ReplyEnvelope, type RequestEnvelope } from '../../../src/shared/rpc';

type Spec = {
  add: { params: { a: number; b: number }; result: number };
  slow: { params: { ms: number; tag: string }; result: string };
  fail: { params: null; result: never };
};

function pair() {
  const replies: ReplyEnvelope[] = [];
  let client!: RequestClient<Spec>;
  const router = new RequestRouter<Spec>(
    {
      add: async (p) => p.a + p.b,
      slow: (p) => new Promise((r) => setTimeout(() => r(p.tag), p.ms)),
      fail: async () => {
        throw new Error('no such entry');
      },
    },
    (m) => {
      replies.push(m);
      client.onMessage(m);
    },
  );
  client = new RequestClient<Spec>((m) => void router.dispatch(m as RequestEnvelope<Spec>));
  return { client, router, replies };
}

describe('typed request/reply (shared/rpc)', () => {
  it('answers each request with its own reply, by id', async () => {
    const { client, replies } = pair();
    const [x, y] = await Promise.all([client.request('add', { a: 1, b: 2 }), client.request('add', { a: 40, b: 2 })]);
    assert.equal(x, 3);
    assert.equal(y, 42);
    assert.deepEqual(replies.map((r) => r.id).sort(), [1, 2]);
  });

  it('a newer latest() supersedes an older one whose reply comes later', async () => {
    const { client } = pair();
    const old = client.latest('slow', { ms: 30, tag: 'old' });
    const fresh = client.latest('slow', { ms: 1, tag: 'new' });
    assert.equal(await fresh.promise, 'new');
    assert.equal(await old.promise, undefined);
    assert.ok(client.isLatest('slow', fresh.id));
    client.supersede('slow');
    assert.ok(!client.isLatest('slow', fresh.id));
  });

  it('a handler error and an unknown method come back as RequestFailed', async () => {
    const { client, router, replies } = pair();
    await assert.rejects(client.request('fail', null), (e: unknown) => e instanceof RequestFailed && e.message === 'no such entry');
    await router.dispatch({ type: 'request', id: 99, method: 'nope' as 'add', params: { a: 0, b: 0 } });
    assert.deepEqual(replies.at(-1), { type: 'reply', id: 99, error: "unknown request 'nope'" });
    await router.dispatch({ type: 'request', id: 100, method: 'constructor' as 'add', params: { a: 0, b: 0 } });
    assert.match(String(replies.at(-1)?.error), /unknown request/);
  });

  it('ignores non-reply messages and replies to nothing pending', () => {
    const { client } = pair();
    assert.equal(client.onMessage({ type: 'rowsUpdate' }), false);
    assert.equal(client.onMessage({ type: 'reply', id: 12345 } as ReplyEnvelope), true);
  });
});
