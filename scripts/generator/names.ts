// Turning spec names into TypeScript names. Pure; every emitter goes through these so a
// name is spelled the same way in types, client and server.

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** `ListCustomers`, `list-customers`, `list_customers` → `listCustomers`. */
export function camelCase(text: string): string {
  const [first = "", ...rest] = words(text);
  const name = first.toLowerCase() + rest.map((w) => capitalize(w.toLowerCase())).join("");
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** `listCustomers` → `ListCustomers`. */
export function pascalCase(text: string): string {
  return capitalize(camelCase(text).replace(/^_/, ""));
}

/** A method name for an operation without operationId: `GET /pets/{petId}/toys` → `getPetsByPetIdToys`. */
export function operationNameFromRoute(method: string, path: string): string {
  const segments = path
    .split("/")
    .filter(Boolean)
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? `by ${param[1]}` : segment;
    });
  return camelCase([method, ...segments].join(" "));
}

/** A JavaScript string literal, for emitting names and values into code. */
export function literal(value: string): string {
  return JSON.stringify(value);
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as written in an object type or literal: bare when it can be. */
export function propertyKey(name: string): string {
  return identifier.test(name) ? name : literal(name);
}
