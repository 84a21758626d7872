import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Where the vendored IATI 2.03 schemas and codelists are (vendor/iati-2.03, with their licence
 * and README). This file runs from src/modules/iati (tests) or dist/src/modules/iati
 * (npm start, the image, which copies vendor/ beside dist/), so try both.
 */
export function iatiVendorDir(): string {
  const candidates = [
    resolve(__dirname, '../../../vendor/iati-2.03'),
    resolve(__dirname, '../../../../vendor/iati-2.03'),
  ];
  return (
    candidates.find((dir) => existsSync(join(dir, 'schemas', 'iati-activities-schema.xsd'))) ??
    candidates[0]!
  );
}

/** One message of the schema: what is wrong, and where. */
export type SchemaError = Readonly<{ message: string; line: number; path: string | null }>;

/*
 * libxml2-wasm is an ES module with top-level await, which neither require() nor jest's module
 * registry can load. A worker thread loads it with Node's own loader, compiles the schema once
 * (the first document waits for it) and validates documents one at a time, off the event loop.
 * The source is evaluated, not a file: it then needs no build step of its own.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const ready = (async () => {
  const lib = await import(workerData.lib);
  const node = await import(workerData.node);
  node.xmlRegisterFsInputProviders();
  const xsd = lib.XmlDocument.fromBuffer(readFileSync(workerData.schema), { url: workerData.schema });
  return { lib, validator: lib.XsdValidator.fromDoc(xsd) };
})();
parentPort.on('message', async ({ id, xml }) => {
  try {
    const { lib, validator } = await ready;
    let doc;
    try {
      doc = lib.XmlDocument.fromString(xml);
    } catch (error) {
      const details = error.details ?? [{ message: error.message, line: 0 }];
      parentPort.postMessage({ id, errors: details.map((d) => ({ message: d.message.trim(), line: d.line ?? 0, path: null })) });
      return;
    }
    try {
      validator.validate(doc);
      parentPort.postMessage({ id, errors: [] });
    } catch (error) {
      if (!(error instanceof lib.XmlValidateError)) throw error;
      parentPort.postMessage({ id, errors: error.details.map((d) => ({ message: d.message.trim(), line: d.line, path: d.xpath ?? null })) });
    } finally {
      doc.dispose();
    }
  } catch (error) {
    parentPort.postMessage({ id, failure: String(error && error.message || error) });
  }
});
`;

type Reply = { id: number; errors?: SchemaError[]; failure?: string };

/**
 * Validates IATI activity XML against the vendored 2.03 schema, in process (a WebAssembly
 * build of libxml2: no native build, no network). The schema is compiled once per process.
 */
export class IatiSchemaValidator {
  private static shared: IatiSchemaValidator | null = null;
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: Reply) => void>();

  /** The process's validator. */
  static instance(): IatiSchemaValidator {
    return (IatiSchemaValidator.shared ??= new IatiSchemaValidator());
  }

  /** The schema's messages for the document: none when it is valid. */
  async validate(xml: string): Promise<SchemaError[]> {
    const worker = this.start();
    const id = this.nextId++;
    const reply = await new Promise<Reply>((resolve) => {
      this.pending.set(id, resolve);
      worker.ref();
      worker.postMessage({ id, xml });
    });
    if (this.pending.size === 0) worker.unref();
    if (reply.failure !== undefined) throw new Error(`IATI validation failed: ${reply.failure}`);
    return reply.errors ?? [];
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const dir = iatiVendorDir();
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        lib: pathToFileURL(require.resolve('libxml2-wasm')).href,
        node: pathToFileURL(join(dirname(require.resolve('libxml2-wasm')), 'nodejs.mjs')).href,
        schema: join(dir, 'schemas', 'iati-activities-schema.xsd'),
      },
    });
    worker.on('message', (reply: Reply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
    worker.on('error', (error: Error) => this.fail(error.message));
    worker.on('exit', () => this.fail('the validator stopped'));
    // An idle validator never keeps the process alive (tests, shutdown).
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Answers every waiting document with the failure; the next one starts a new worker. */
  private fail(reason: string): void {
    this.worker = null;
    for (const [id, resolve] of this.pending) resolve({ id, failure: reason });
    this.pending.clear();
  }
}
