export { JsonNumber, JsonObject, JsonSyntaxError, type JsonValue } from './types';
export { parseJson } from './parse';
export { stringifyJson } from './stringify';
export { fieldOf, toPlain } from './access';
