// Issue 13, item 3: failed sign-ins are throttled per username and per client address,
// with a 429 in the error shape and Retry-After. Clients come from distinct loopback
// addresses (127.0.0.x), so each test has addresses of its own.
import { request } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { demoApiKey, DEMO_PASSWORD } from "../server/demo/demo-data.js";
import { LOGIN_LIMITS, LoginThrottle, TooManyAttempts } from "../server/auth/throttle.js";
import { basic } from "./support/http.js";
import { schemaErrors } from "./support/spec-schemas.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ name: "throttle", customers: 20 });
});

afterAll(async () => {
  await server.close();
});

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: string;
}

/** GET /customers?countPerPage=1 from a chosen loopback address. */
function getFrom(address: string, authorization: string): Promise<Answer> {
  const { port } = new URL(server.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/customers?countPerPage=1", localAddress: address, headers: { authorization }, agent: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"], body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function expectThrottled(answer: Answer, maxSeconds: number): void {
  expect(answer.status, answer.body).toBe(429);
  const seconds = Number(answer.retryAfter);
  expect(Number.isInteger(seconds) && seconds >= 1 && seconds <= maxSeconds, `Retry-After ${answer.retryAfter}`).toBe(true);
  const body = JSON.parse(answer.body);
  expect(schemaErrors("ErrorResponse", body)).toEqual([]);
  expect(body.responseStatus.errorCode).toBe("TooManyRequests");
}

const perUsername = LOGIN_LIMITS.perUsername;
const perAddress = LOGIN_LIMITS.perAddress;

describe("failed sign-ins per username", () => {
  it("are answered 429 with Retry-After past the limit, even with the right password, from any address", async () => {
    const wrong = basic("manager", "guess");
    const answers = await Promise.all(Array.from({ length: perUsername.attempts }, () => getFrom("127.0.0.2", wrong)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 401));
    expectThrottled(await getFrom("127.0.0.2", wrong), perUsername.seconds);
    expectThrottled(await getFrom("127.0.0.2", basic("manager", DEMO_PASSWORD)), perUsername.seconds);
    expectThrottled(await getFrom("127.0.0.3", basic("MANAGER", DEMO_PASSWORD)), perUsername.seconds);
    // Another user from the same address is not held back by manager's counter.
    expect((await getFrom("127.0.0.2", basic("customer", DEMO_PASSWORD))).status).toBe(200);
  });

  it("spare a caller who signed in recently (the verifier's cache of successes)", async () => {
    const right = basic("sysadmin", DEMO_PASSWORD);
    expect((await getFrom("127.0.0.4", right)).status).toBe(200);
    for (let i = 0; i < perUsername.attempts; i++) expect((await getFrom("127.0.0.5", basic("sysadmin", `guess-${i}`))).status).toBe(401);
    expectThrottled(await getFrom("127.0.0.5", basic("sysadmin", "one more")), perUsername.seconds);
    expect((await getFrom("127.0.0.4", right)).status).toBe(200);
  });
});

describe("successful sign-ins", () => {
  it("earn no attempts back: those the verifier's cache answers took none", async () => {
    // nobody's password is right but its roles are not (403): a success all the same.
    const right = basic("nobody", DEMO_PASSWORD);
    for (let i = 0; i < 5; i++) expect((await getFrom("127.0.0.8", right)).status).toBe(403);
    for (let i = 0; i < perUsername.attempts; i++) expect((await getFrom("127.0.0.9", basic("nobody", `guess-${i}`))).status).toBe(401);
    expectThrottled(await getFrom("127.0.0.9", basic("nobody", "one more")), perUsername.seconds);
  });
});

describe("failed sign-ins per client address", () => {
  it("are answered 429 past the limit, across usernames; other addresses and right API keys are unaffected", async () => {
    const names = Array.from({ length: perAddress.attempts }, (_, i) => `nobody-${i}`);
    const answers = await Promise.all(names.map((name) => getFrom("127.0.0.6", basic(name, "x"))));
    expect(answers.every((a) => a.status === 401)).toBe(true);
    expectThrottled(await getFrom("127.0.0.6", basic("someone-else", "x")), perAddress.seconds);
    expectThrottled(await getFrom("127.0.0.6", "Bearer evo_wrong_key"), perAddress.seconds);
    expect((await getFrom("127.0.0.6", `Bearer ${demoApiKey("sysadmin")}`)).status).toBe(200);
    expect((await getFrom("127.0.0.7", basic("someone-else", "x"))).status).toBe(401);
  });
});

describe("LoginThrottle", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets attempts through again once the window has passed, and gives back a success's attempt", async () => {
    vi.useFakeTimers();
    const throttle = new LoginThrottle({ perUsername: { attempts: 2, seconds: 60 }, perAddress: { attempts: 100, seconds: 60 } });
    const giveBack = await throttle.admit("ana", "a1");
    await giveBack();
    // Given back once only: a second call would be credit past the limit.
    await giveBack();
    await throttle.admit("Ana", "a2");
    await throttle.admit("ana", "a3");
    const refused = await throttle.admit("ana", "a4").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyAttempts);
    expect((refused as TooManyAttempts).retryAfter).toBeGreaterThanOrEqual(59);
    expect((refused as TooManyAttempts).retryAfter).toBeLessThanOrEqual(60);
    vi.advanceTimersByTime(61_000);
    await expect(throttle.admit("ana", "a5")).resolves.toBeTypeOf("function");
  });
});
