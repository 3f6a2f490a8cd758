// The HTTP server for an Express app. Express gives each request and response its app's
// prototypes as they arrive (Object.setPrototypeOf). Changing an object's prototype gives
// it a new hidden class, so Node's own HTTP code then runs on objects of a shape it has
// not optimized for, on every request: measured on the customers page, a third of the
// server's CPU. Made with those prototypes from the start, the objects never change
// shape: Express finds the prototype already set and leaves them as they are.
import { createServer, IncomingMessage, type Server, ServerResponse } from "node:http";
import type { Express } from "express";
import { withDefaultHeaders } from "./default-headers.js";

type NodeConstructor = typeof IncomingMessage | typeof ServerResponse;

/**
 * A constructor of `base`'s objects whose prototype is `prototype` (which inherits from
 * base's). It runs base on the new object as a plain function. It also inherits from base,
 * as a subclass does: V8 sizes a constructor's objects from the properties its chain of
 * constructors assigns, and without that link sized them for none, so a response (some
 * forty properties) fell back to slow dictionary properties. Reflect.construct with the
 * app's prototype gave each object a hidden class of its own: slower than Express's swap.
 */
function constructing<T extends NodeConstructor>(base: T, prototype: object): T {
  const init = base as unknown as (this: object, ...args: unknown[]) => void;
  function Constructed(this: object, ...args: unknown[]): void {
    init.apply(this, args);
  }
  Constructed.prototype = prototype;
  Object.setPrototypeOf(Constructed, base);
  return Constructed as unknown as T;
}

const isClass = (f: NodeConstructor) => Function.prototype.toString.call(f).startsWith("class");

/**
 * What `app.listen` creates (`http.createServer(app)`), with requests and responses made as
 * the app's own, and default headers (setDefaultHeaders) written with the head.
 */
export function createHttpServer(app: Express): Server {
  withDefaultHeaders(app.response);
  // Node's request and response are plain constructor functions; a Node whose are classes
  // (which cannot be run on an object made elsewhere) gets the plain server.
  if (isClass(IncomingMessage) || isClass(ServerResponse)) return createServer(app);
  return createServer(
    {
      IncomingMessage: constructing(IncomingMessage, app.request),
      ServerResponse: constructing(ServerResponse, app.response),
    },
    app,
  );
}
