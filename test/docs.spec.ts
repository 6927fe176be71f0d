import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

/** Every Markdown file of the docs, and the README. */
function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith('.md') ? [join(dir, entry.name)] : [],
    );
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

/** The TypeScript code blocks of a Markdown file, with the line each starts on. */
function codeBlocks(file: string): Array<{ code: string; line: number }> {
  const blocks: Array<{ code: string; line: number }> = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i].trim())) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    blocks.push({ code: lines.slice(start, end).join('\n'), line: start + 1 });
    i = end;
  }
  return blocks;
}

describe('documentation code', () => {
  it('compiles: every TypeScript block of the README and docs/, each as a module of its own', () => {
    const snippets = new Map<string, { source: string; origin: string }>();
    for (const file of markdownFiles()) {
      codeBlocks(file).forEach(({ code, line }, index) => {
        // Beside the Markdown file (in memory only), so that relative imports resolve from there.
        const name = join(dirname(file), `.snippet_${basename(file, '.md')}_${index}.ts`);
        // A block without imports or exports would be a script sharing one scope with the others.
        snippets.set(name, { source: `${code}\nexport {};\n`, origin: `${relative(ROOT, file)}:${line}` });
      });
    }
    expect(snippets.size).toBeGreaterThan(0);

    // Blocks may use these injected services without declaring them (docs/README.md says so), and top-level
    // await; everything else they use, they import.
    const prelude = join(ROOT, '.docs-snippets', 'prelude.ts');
    snippets.set(prelude, {
      origin: 'prelude',
      source: [
        "import type { WebhookAttempts, WebhookDispatcher, WebhookSubscriptions } from 'nestjs-webhooks';",
        'declare global {',
        '  const subscriptions: WebhookSubscriptions;',
        '  const dispatcher: WebhookDispatcher;',
        '  const attempts: WebhookAttempts;',
        '}',
        'export {};',
      ].join('\n'),
    });
    const options: ts.CompilerOptions = {
      ...ts.parseJsonConfigFileContent(
        ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config,
        ts.sys,
        ROOT,
      ).options,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      noEmit: true,
      noUnusedLocals: false,
      baseUrl: ROOT,
      paths: { 'nestjs-webhooks': ['lib/index.ts'], 'nestjs-webhooks/testing': ['lib/testing/index.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.readFile = (name) => snippets.get(name)?.source ?? readFile(name);
    host.fileExists = (name) => snippets.has(name) || fileExists(name);
    host.getSourceFile = (name, version, onError, create) => {
      const snippet = snippets.get(name);
      return snippet
        ? ts.createSourceFile(name, snippet.source, version, true)
        : getSourceFile(name, version, onError, create);
    };
    const program = ts.createProgram([...snippets.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && snippets.has(d.file.fileName))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const origin = snippets.get(d.file!.fileName)!.origin;
        return `${origin} (+${line}): ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 120_000);
});
