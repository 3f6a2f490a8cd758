// The generator's own version, stamped in every generated file's header. Bump it when the
// output for an unchanged spec changes, so a diff of generated/ says why it changed.
export const GENERATOR_NAME = "scripts/generator";
export const GENERATOR_VERSION = "0.2.0";
