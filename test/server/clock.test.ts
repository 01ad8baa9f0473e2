// `serve --clock-offset`: the server's clock runs off real time, and everything it shows agrees
// with it: a datasource's `created`, the `Date` header of every answer (errors and requests the
// HTTP parser refuses included), and the client's `serverTime` read from it.
import { connect } from "node:net";
import { AbloClient } from "@ablo/client";
import { abloLocalForSuite, CANARY } from "./helpers";

const DNS = { "db.example.com": ["93.184.216.34"] };
const CONN = `postgres://app:${CANARY}@db.example.com:5432/shop`;
const realNow = () => Date.now() / 1000;
const dateOf = (headers: Headers) => Date.parse(headers.get("date") ?? "") / 1000;

/** A request line Node's HTTP parser refuses (a control character): answered by the raw edge. */
function refusedRequestDate(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(port, "127.0.0.1", () => socket.write("GET /v1/\x01 HTTP/1.1\r\nHost: x\r\n\r\n"));
    socket.setEncoding("utf8");
    socket.on("data", (c: string) => (text += c));
    socket.on("error", reject);
    socket.on("close", () => resolve(Date.parse(/^Date: (.+)$/m.exec(text)?.[1]?.trim() ?? "") / 1000));
  });
}

describe.each([-900, 3600])("clock offset %i s", (offset) => {
  let key = "";
  const { api, call } = abloLocalForSuite({ verification: false, dnsMap: DNS, rateLimit: 0, clockOffsetSeconds: offset }, async (a) => {
    key = await a.createKey("acme", "test");
  });

  /** `t` is on the server's clock: real time shifted by the offset, give or take the request's second. */
  const expectServerTime = (t: number, before: number, after: number) => {
    expect(t - offset).toBeGreaterThanOrEqual(Math.floor(before) - 1);
    expect(t - offset).toBeLessThanOrEqual(Math.ceil(after) + 1);
  };

  test("created and Date agree with each other, and are off real time by the offset", async () => {
    const before = realNow();
    const res = await call("POST", "/v1/datasources", { token: key, body: { connectionString: CONN }, headers: { "idempotency-key": `clock${offset}` } });
    const after = realNow();
    expect(res.status).toBe(200);
    const created = res.json.created as number;
    expect(Math.abs(dateOf(res.headers) - created)).toBeLessThanOrEqual(1);
    expectServerTime(created, before, after);

    // The idempotency window is on the same clock: the key replays the same answer.
    const again = await call("POST", "/v1/datasources", { token: key, body: { connectionString: CONN }, headers: { "idempotency-key": `clock${offset}` } });
    expect([again.headers.get("idempotent-replayed"), again.json.created]).toEqual(["true", created]);
    expectServerTime(dateOf(again.headers), before, realNow());
  });

  test("error answers carry the server's Date too: a 404, an unknown URL, a malformed URL, a request the parser refuses", async () => {
    const before = realNow();
    const missing = await call("GET", "/v1/datasources/ds_test_nosuch", { token: key });
    const unknown = await call("GET", "/v1/nowhere", { token: key });
    const malformed = await call("GET", "/v1/datasources/%E0%A4%A", { token: key });
    const refused = await refusedRequestDate(api().port);
    expect([missing.status, unknown.status, malformed.status]).toEqual([404, 404, 400]);
    for (const t of [dateOf(missing.headers), dateOf(unknown.headers), dateOf(malformed.headers), refused]) expectServerTime(t, before, realNow());
  });

  test("the client's serverTime is the server's clock: a datasource's age is judged on it", async () => {
    const client = new AbloClient({ apiKey: key, baseUrl: api().baseUrl });
    try {
      const before = realNow();
      const { datasource, serverTime } = await client.datasources.createOrReplay({ connectionString: CONN });
      expect(serverTime).toBeDefined();
      expect(Math.abs(serverTime! - datasource.created)).toBeLessThanOrEqual(1);
      expectServerTime(serverTime!, before, realNow());
    } finally {
      client.close();
    }
  });
});
