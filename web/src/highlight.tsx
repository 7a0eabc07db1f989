// Syntax highlighting of a diff's lines, dependency-free (docs/decisions/0118): each line split into
// comments, strings, numbers and the language's keywords by one regular expression per language. A
// line is highlighted alone, so a string or comment spanning lines shows plain past its first line.
import type { JSX } from "preact";

interface Grammar {
  comment: string; // the pattern of a comment to the line's end (or a whole block on one line)
  keywords: string[];
  prose?: boolean; // text a person writes (Markdown): its quotes and apostrophes are words, never strings
}

const C_LIKE = String.raw`\/\/.*|\/\*.*?\*\/`;
const HASH = "#.*";
const GRAMMARS: Record<string, Grammar> = {
  python: {
    comment: HASH,
    keywords: "and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return True try while with yield".split(" "),
  },
  typescript: {
    comment: C_LIKE,
    keywords: "abstract as async await break case catch class const continue default delete do else enum export extends false finally for from function if implements import in instanceof interface let new null of private protected public readonly return static super switch this throw true try type typeof undefined var void while yield".split(" "),
  },
  go: {
    comment: C_LIKE,
    keywords: "break case chan const continue default defer else fallthrough false for func go goto if import interface map nil package range return select struct switch true type var".split(" "),
  },
  rust: {
    comment: C_LIKE,
    keywords: "as async await break const continue crate else enum false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while".split(" "),
  },
  shell: { comment: HASH, keywords: "if then else elif fi for while do done case esac function in return export local set".split(" ") },
  yaml: { comment: HASH, keywords: ["true", "false", "null", "yes", "no", "on", "off"] },
  toml: { comment: HASH, keywords: ["true", "false"] },
  json: { comment: "(?!)", keywords: ["true", "false", "null"] },
  css: { comment: String.raw`\/\*.*?\*\/`, keywords: ["important", "inherit", "initial", "none", "auto"] },
  html: { comment: "<!--.*?-->", keywords: [] },
  markdown: { comment: "(?!)", keywords: [], prose: true },
};
GRAMMARS.javascript = { ...(GRAMMARS.typescript as Grammar) };

// A single quote opens a string only where a word does not go on through it (it's, don't, O'Brien are
// apostrophes) and closes on its line; a double quote or backtick may run past the line.
const STRING = String.raw`"(?:[^"\\]|\\.)*"?|(?<![\p{L}\p{N}_])(?:[rbfuRBFU]{1,2})?'(?:[^'\\\n]|\\.)*'(?![\p{L}\p{N}_])|` + "`(?:[^`\\\\]|\\\\.)*`?";
const NUMBER = String.raw`\b\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?\b`;
const PATTERNS = new Map<string, RegExp>();

function pattern(language: string): RegExp | null {
  const grammar = GRAMMARS[language];
  if (!grammar) return null;
  let found = PATTERNS.get(language);
  if (!found) {
    const words = grammar.keywords.length ? `\\b(?:${grammar.keywords.join("|")})\\b` : "(?!)";
    found = new RegExp(`(${grammar.comment})|(${grammar.prose ? "(?!)" : STRING})|(${NUMBER})|(${words})`, "gu");
    PATTERNS.set(language, found);
  }
  return found;
}

const KINDS = ["tok-comment", "tok-string", "tok-number", "tok-keyword"];

/** `text` as spans of its tokens in `language` (plain text for a language it does not know). */
export function highlight(text: string, language: string): (string | JSX.Element)[] {
  const found = pattern(language);
  if (!found || !text) return [text];
  const out: (string | JSX.Element)[] = [];
  let at = 0;
  found.lastIndex = 0;
  for (let match = found.exec(text); match; match = found.exec(text)) {
    if (match[0] === "") {
      found.lastIndex += 1;
      continue;
    }
    if (match.index > at) out.push(text.slice(at, match.index));
    const group = match.slice(1).findIndex((g) => g !== undefined);
    out.push(
      <span key={match.index} class={KINDS[group]}>
        {match[0]}
      </span>,
    );
    at = match.index + match[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}
