// The published Mailgun bodies of ../shared/realworld/mailgun (read in place,
// see its SOURCES.md), made into requests for one of our sends: re-signed
// with a test key (fresh timestamp and token), and pointed at the send either
// by send_id in the user variables, in the shape each body published them, or
// by Message-Id alone, with no user variables.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { signature } from './mailgun';

export const REALWORLD = path.resolve(__dirname, '../../../shared/realworld/mailgun');
export const realworldFiles: string[] = existsSync(REALWORLD) ? readdirSync(REALWORLD).filter((name) => name !== 'SOURCES.md').sort() : [];

type Json = Record<string, unknown>;
export type Fields = [string, string][];

export type Source =
  | { name: string; shape: 'json'; eventData: Json; keyOrder: string[] }
  | { name: string; shape: 'form'; fields: Fields };

export type Target = { via: 'send_id'; sendId: string } | { via: 'message-id'; messageId: string };

export const readText = (file: string) => readFileSync(path.join(REALWORLD, file), 'utf8');
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export const formFields = (urlencoded: string): Fields => [...new URLSearchParams(urlencoded.trim())];

/** A .form.txt file: one key=value a line, values decoded but for %25, %0D and %0A (SOURCES.md). */
export function formTextFields(text: string): Fields {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1).replace(/%(25|0D|0A)/g, (escape) => decodeURIComponent(escape))];
    });
}

/**
 * Every body we can replay: whole JSON bodies, event-data alone (REPAIRED
 * copies for the files invalid as published), each event of the Events API
 * page, and the legacy form bodies.
 */
export function loadSources(): Source[] {
  const sources: Source[] = [];
  for (const file of realworldFiles) {
    if (file.endsWith('.form.urlencoded')) sources.push({ name: file, shape: 'form', fields: formFields(readText(file)) });
    if (!file.endsWith('.json')) continue;
    const parsed = JSON.parse(readText(file)) as Json;
    if (Array.isArray(parsed.items)) {
      parsed.items.forEach((item, i) => sources.push({ name: `${file}#items[${i}]`, shape: 'json', eventData: item as Json, keyOrder: ['signature', 'event-data'] }));
    } else if (file.includes('.event-data.')) {
      sources.push({ name: file, shape: 'json', eventData: parsed, keyOrder: ['signature', 'event-data'] });
    } else {
      sources.push({ name: file, shape: 'json', eventData: parsed['event-data'] as Json, keyOrder: Object.keys(parsed) });
    }
  }
  return sources;
}

/** send_id added the way the body carries user variables; [] or none become an object, as Mailgun writes them once there is one. */
function withSendId(variables: unknown, sendId: string): unknown {
  if (typeof variables !== 'string') return { ...(isObject(variables) ? variables : {}), send_id: sendId };
  let parsed: unknown;
  try {
    parsed = JSON.parse(variables);
  } catch {
    parsed = {}; // "Could not load user-variables ...": what Mailgun would have sent had it loaded them
  }
  return JSON.stringify({ ...(isObject(parsed) ? parsed : {}), send_id: sendId });
}

export function jsonEventData(source: Extract<Source, { shape: 'json' }>, target: Target): Json {
  const data: Json = structuredClone(source.eventData);
  if (target.via === 'send_id') {
    data['user-variables'] = withSendId(data['user-variables'], target.sendId);
    return data;
  }
  delete data['user-variables'];
  const message = isObject(data.message) ? data.message : {};
  data.message = { ...message, headers: { ...(isObject(message.headers) ? message.headers : {}), 'message-id': target.messageId } };
  return data;
}

export function jsonBody(source: Extract<Source, { shape: 'json' }>, key: string, data: Json, options: { timestamp?: number } = {}): string {
  const parts: Json = { signature: signature(key, options), 'event-data': data };
  return JSON.stringify(Object.fromEntries(source.keyOrder.map((name) => [name, parts[name]])));
}

/** message-headers (a JSON list of [name, value]) with `edit` applied; untouched when it is not such a list. */
function editHeaders(fields: Fields, edit: (headers: unknown[][]) => unknown[][]): Fields {
  return fields.map(([name, value]) => {
    if (name !== 'message-headers') return [name, value];
    const headers: unknown = JSON.parse(value);
    return [name, Array.isArray(headers) ? JSON.stringify(edit(headers as unknown[][])) : value];
  });
}

const isHeader = (entry: unknown[], name: string) => String(entry[0]).toLowerCase() === name;

export function legacyFields(source: Extract<Source, { shape: 'form' }>, target: Target): Fields {
  if (target.via === 'send_id') {
    // Mailgun merges user variables into the top level, and keeps them in the X-Mailgun-Variables header where there is one.
    const fields = editHeaders(source.fields, (headers) =>
      headers.map((entry) => (isHeader(entry, 'x-mailgun-variables') ? [entry[0], JSON.stringify({ ...JSON.parse(String(entry[1])), send_id: target.sendId })] : entry)),
    );
    return [['send_id', target.sendId], ...fields];
  }
  const bracketed = `<${target.messageId}>`;
  const fields = editHeaders(source.fields, (headers) =>
    headers.filter((entry) => !isHeader(entry, 'x-mailgun-variables')).map((entry) => (isHeader(entry, 'message-id') ? [entry[0], bracketed] : entry)),
  );
  const hasMessageId = fields.some(([name]) => name.toLowerCase() === 'message-id');
  // Delivery events spell it Message-Id with brackets; opens and clicks a bare lowercase message-id.
  const named = fields.map(([name, value]): [string, string] => (name.toLowerCase() === 'message-id' ? [name, bracketed] : [name, value]));
  return hasMessageId ? named : [...named, ['message-id', target.messageId]];
}

/** Mailgun signs in the last timestamp, token and signature fields (user variables of those names come first): those are replaced. */
export function resignFields(fields: Fields, key: string, options: { timestamp?: number } = {}): Fields {
  const signed = signature(key, options);
  const last = (name: string) => fields.map(([field]) => field).lastIndexOf(name);
  const positions = { timestamp: last('timestamp'), token: last('token'), signature: last('signature') };
  return fields.map(([name, value], i): [string, string] => {
    const field = name as keyof typeof positions;
    return positions[field] === i ? [name, signed[field]] : [name, value];
  });
}

export function multipart(fields: Fields): FormData {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  return form;
}
