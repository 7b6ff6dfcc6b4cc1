/**
 * An executed guide (docs/porting/*.md): every ```ts block carries
 * `test=<name>`. The `imports` block (with 'exosip2' and 'exosip2/compat'
 * mapped to lib/) and every other block (each defines the function `<name>`)
 * are put together, in document order, into one in-memory module that is
 * type-checked with the project's compiler options and loaded; a test file
 * then runs each function against real peers with {@link describeGuide}.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { ROOT } from './paths';

const SPECIFIERS: Record<string, string> = {
  'exosip2/compat': path.join(ROOT, 'lib', 'compat'),
  exosip2: path.join(ROOT, 'lib', 'index'),
};

/** One fenced block of the guide. */
export interface Block {
  lang: string;
  name: string | null;
  code: string;
  /** 1-based line of the block's first code line in the document. */
  line: number;
}

/** A guide read and turned into one module. */
export interface Guide {
  /** Its path from the repository root, e.g. `docs/porting/registration.md`. */
  readonly doc: string;
  readonly blocks: Block[];
  /** The functions the ```ts blocks define, in document order (not `imports`). */
  readonly names: string[];
  /** Type errors of the whole module, as `doc:line: text`. */
  typeCheck(): string[];
  /** Compiles and loads the module; its exports are the functions. */
  load<T>(): T;
}

function extractBlocks(doc: string, markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)[ \t]*(.*)$/.exec(lines[i]);
    if (!open) continue;
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) j++;
    if (j >= lines.length) throw new Error(`${doc}:${i + 1}: code block never closed`);
    const name = /(?:^|\s)test=([A-Za-z_]\w*)(?:\s|$)/.exec(open[2])?.[1] ?? null;
    blocks.push({ lang: open[1], name, code: lines.slice(i + 1, j).join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

function generate(doc: string, blocks: Block[]): { source: string; lineMap: number[]; names: string[] } {
  const tsBlocks = blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
  const untested = tsBlocks.filter((b) => b.name === null);
  if (untested.length > 0) throw new Error(`TypeScript blocks without test=<name>: ${untested.map((b) => `${doc}:${b.line}`).join(', ')}`);
  const seen = new Set<string>();
  for (const b of tsBlocks) {
    if (seen.has(b.name!)) throw new Error(`${doc}:${b.line}: duplicate test=${b.name}`);
    seen.add(b.name!);
  }
  const imports = tsBlocks.find((b) => b.name === 'imports');
  if (imports === undefined) throw new Error(`${doc} has no \`\`\`ts test=imports block`);
  const out: string[] = [];
  const lineMap: number[] = [];
  const emit = (text: string, docLine: number): void => {
    text.split('\n').forEach((l, k) => {
      out.push(l);
      lineMap.push(docLine === 0 ? 0 : docLine + k);
    });
  };
  emit(
    imports.code.replace(/from\s+'([^']+)'/g, (whole, spec: string) => {
      const target = SPECIFIERS[spec];
      if (target === undefined) throw new Error(`${doc}:${imports.line}: unexpected import '${spec}'`);
      return `from ${JSON.stringify(target)}`;
    }),
    imports.line,
  );
  const names: string[] = [];
  for (const b of tsBlocks) {
    if (b === imports) continue;
    if (!new RegExp(`^(?:async\\s+)?function\\s+${b.name}\\s*\\(`, 'm').test(b.code)) {
      throw new Error(`${doc}:${b.line}: block test=${b.name} must define function ${b.name}(...)`);
    }
    emit(`// ${doc}:${b.line} (test=${b.name})`, 0);
    emit(b.code, b.line);
    names.push(b.name!);
  }
  emit(`export { ${names.join(', ')} };`, 0);
  return { source: out.join('\n') + '\n', lineMap, names };
}

/** Reads `doc` (a path from the repository root) into a {@link Guide}. */
export function readGuide(doc: string): Guide {
  const blocks = extractBlocks(doc, fs.readFileSync(path.join(ROOT, doc), 'utf8'));
  const gen = generate(doc, blocks);
  const virtual = path.join(ROOT, 'test', 'compat', `__${path.basename(doc, '.md')}_snippets__.ts`);
  return {
    doc,
    blocks,
    names: gen.names,
    typeCheck(): string[] {
      const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
      if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
      const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
      const options: ts.CompilerOptions = { ...parsed.options, noEmit: true };
      const host = ts.createCompilerHost(options);
      const getSourceFile = host.getSourceFile.bind(host);
      host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
        path.resolve(fileName) === virtual ? ts.createSourceFile(fileName, gen.source, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
      host.fileExists = (fileName) => path.resolve(fileName) === virtual || ts.sys.fileExists(fileName);
      host.readFile = (fileName) => (path.resolve(fileName) === virtual ? gen.source : ts.sys.readFile(fileName));
      const program = ts.createProgram([virtual], options, host);
      return ts.getPreEmitDiagnostics(program).map((d) => {
        const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
        if (d.file === undefined || d.start === undefined) return text;
        const { line } = d.file.getLineAndCharacterOfPosition(d.start);
        if (path.resolve(d.file.fileName) === virtual) {
          const docLine = gen.lineMap[line];
          return `${docLine ? `${doc}:${docLine}` : `(generated line ${line + 1})`}: ${text}`;
        }
        return `${path.relative(ROOT, d.file.fileName)}:${line + 1}: ${text}`;
      });
    },
    load<T>(): T {
      const js = ts.transpileModule(gen.source, {
        fileName: virtual,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      }).outputText;
      type Internal = Module & { _compile(code: string, filename: string): void; paths: string[]; filename: string };
      const m = new Module(virtual, module) as Internal;
      m.filename = virtual;
      m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(virtual));
      m._compile(js, virtual);
      return m.exports as T;
    },
  };
}

/**
 * The guide's tests: the whole module type-checks (the `imports` test), every
 * ```ts block has a case and every case a block, each C statement of
 * `howtoCLines` (whitespace-normalized) is in a ```c block, every ```c block
 * is followed by a compat port and a `_ctx` (Context API) block, and one test
 * per block runs its case.
 */
export function describeGuide(guide: Guide, cases: Record<string, () => Promise<void>>, howtoCLines: readonly string[]): void {
  describe(guide.doc, () => {
    test('every ```ts block has a test and every test a block', () => {
      assert.deepEqual(Object.keys(cases).filter((n) => n !== 'imports').sort(), [...guide.names].sort());
    });

    test('every C snippet of the how-to is there, followed by its compat port and its Context equivalent', () => {
      const c = guide.blocks.filter((b) => b.lang === 'c').map((b) => b.code.replace(/\s+/g, ' '));
      for (const line of howtoCLines) assert.ok(c.some((code) => code.includes(line)), `no \`\`\`c block of ${guide.doc} has: ${line}`);
      guide.blocks.forEach((b, i) => {
        if (b.lang !== 'c') return;
        const next = guide.blocks.slice(i + 1);
        const end = next.findIndex((n) => n.lang === 'c');
        const names = (end < 0 ? next : next.slice(0, end)).map((n) => n.name ?? '');
        assert.ok(names.some((n) => n !== '' && !n.endsWith('_ctx')), `${guide.doc}:${b.line}: C block without a compat port after it`);
        assert.ok(names.some((n) => n.endsWith('_ctx')), `${guide.doc}:${b.line}: C block without a Context equivalent after it`);
      });
    });

    test(`imports, and the whole guide type-checks (${guide.doc})`, () => {
      const errors = guide.typeCheck();
      assert.deepEqual(errors, [], `the guide's TypeScript does not type-check:\n${errors.join('\n')}`);
    });

    for (const name of guide.names) {
      test(`${name} (${guide.doc}:${guide.blocks.find((b) => b.name === name)?.line})`, async () => {
        const run = cases[name];
        assert.ok(run !== undefined, `no test for block test=${name}`);
        await run();
      });
    }
  });
}
