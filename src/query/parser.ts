/**
 * Recursive-descent parser for the query language (docs/design.md#query-language): MLflow's `search_runs` filter syntax
 * plus `or`, `not`, parentheses and full-text terms.
 *
 *   query      := orExpr? EOF
 *   orExpr     := andExpr ("or" andExpr)*
 *   andExpr    := unary (("and")? unary)*          -- juxtaposition means "and"
 *   unary      := "not" unary | primary
 *   primary    := "(" orExpr ")" | condition | term
 *   condition  := field op value | field ["not"] "in" "(" value ("," value)* ")"
 *               | field ["not"] ("like" | "ilike") string | field "is" ["not"] "null" | prefixedField
 *   term       := word | quoted string              -- full-text search
 *
 * A query with conditions takes no bare words: in `metrics.a > 1 NAND params.b = 'x'` the word is a
 * mistyped keyword, not something to search for, so it is an error (quote it to search for it).
 */
import {
  ATTRIBUTES,
  DATASET_KEYS,
  DATE_ATTRIBUTES,
  FIELD_PREFIXES,
  KEYWORDS,
  MISSING_ATTRIBUTES,
  attributeNamed,
  type FieldRef,
  type Literal,
  type Query,
} from './ast.ts';
import { QueryError } from './error.ts';
import { printField } from './printer.ts';
import { tokenize, type Token } from './tokenizer.ts';

/**
 * Parentheses and `not` nested deeper than this are refused: the parser, printer and evaluator recurse
 * on nesting, and a query can come from anywhere (a link, a saved comparison). `and`/`or` chains are
 * flat lists, so they are not limited by this.
 */
export const MAX_QUERY_DEPTH = 64;

const SYNTAX_HINT = `Queries look like: metrics.accuracy > 0.93 and params.dataset = 'v3' and status = 'finished'.`;
const FIELD_HINT = `Name fields as metrics.<name>, params.<name>, tags.<name> or an attribute (${ATTRIBUTES.join(', ')}); quote search phrases.`;

/**
 * Parses query text into a syntax tree; throws a QueryError pointing at the column otherwise.
 * Example: `parseQuery("metrics.acc > 0.9 and params.dataset = 'v3'")`.
 */
export function parseQuery(text: string): Query {
  return new Parser(text).parse();
}

/** Parses one field name as a query writes it (`metrics.val/acc`, ``params.`a b` ``, `status`). */
export function parseField(text: string): FieldRef {
  return new Parser(text).fieldOnly();
}

function describe(token: Token): string {
  return token.kind === 'eof' ? 'the end of the query' : `"${token.text}"`;
}

function keyword(token: Token): string | undefined {
  if (token.kind !== 'word') return undefined;
  const lower = token.text.toLowerCase();
  return KEYWORDS.has(lower) ? lower : undefined;
}

class Parser {
  private readonly text: string;
  private readonly tokens: Token[];
  private position = 0;
  /** Unquoted words and numbers read as search terms, and whether any condition was read. */
  private readonly bareTerms: Token[] = [];
  private structured = false;
  /** Parentheses and `not` open around the token being parsed. */
  private depth = 0;

  constructor(text: string) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  parse(): Query {
    if (this.peek().kind === 'eof') return { type: 'all' };
    const query = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'eof') {
      if (next.kind === 'punct' && next.text === ')') throw this.error(next, 'unmatched ")"', 'Remove it, or add the "(" it closes.');
      throw this.error(next, `unexpected ${describe(next)}`, SYNTAX_HINT);
    }
    const stray = this.bareTerms[0];
    if (this.structured && stray !== undefined) throw this.strayWord(stray);
    return query;
  }

  /** A bare word among conditions: most often a mistyped keyword or a missing operator. */
  private strayWord(token: Token): QueryError {
    const index = this.tokens.indexOf(token);
    const before = index > 0 ? this.tokens[index - 1] : undefined;
    const afterField = before?.kind === 'word' && this.prefixedFieldName(before) !== undefined;
    if (afterField) {
      return this.error(
        token,
        `expected an operator before "${token.text}"`,
        `Did you mean ${before.text} = '${token.text}'? Quote '${token.text}' to search for it as a word.`,
      );
    }
    const suggestion = token.kind === 'word' ? closestKeyword(token.text) : undefined;
    if (suggestion !== undefined) {
      return this.error(
        token,
        `unknown keyword "${token.text}": did you mean ${suggestion.toUpperCase()}?`,
        `Write ${suggestion.toUpperCase()}, or quote '${token.text}' to search for the word.`,
      );
    }
    return this.error(
      token,
      `unexpected word "${token.text}" among conditions`,
      `Quote it to search for it ('${token.text}'), or join conditions with and / or.`,
    );
  }

  fieldOnly(): FieldRef {
    const token = this.next();
    const field = token.kind === 'word' ? (this.prefixedField(token) ?? this.bareAttribute(token)) : undefined;
    if (field === undefined) throw this.error(token, 'expected a field name', FIELD_HINT);
    const rest = this.peek();
    if (rest.kind !== 'eof') throw this.error(rest, `unexpected ${describe(rest)} after the field name`, FIELD_HINT);
    return field;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.position + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private error(token: Token | number, reason: string, hint?: string): QueryError {
    return new QueryError(this.text, typeof token === 'number' ? token : token.start, reason, hint);
  }

  private parseOr(): Query {
    const items = [this.parseAnd()];
    while (keyword(this.peek()) === 'or') {
      this.next();
      items.push(this.parseAnd());
    }
    return items.length === 1 ? (items[0] as Query) : { type: 'or', items };
  }

  private parseAnd(): Query {
    const items = [this.parseUnary()];
    for (;;) {
      const token = this.peek();
      const word = keyword(token);
      if (word === 'and') {
        this.next();
        items.push(this.parseUnary());
      } else if (this.startsUnary(token)) {
        items.push(this.parseUnary());
      } else {
        break;
      }
    }
    return items.length === 1 ? (items[0] as Query) : { type: 'and', items };
  }

  private startsUnary(token: Token): boolean {
    if (token.kind === 'word') {
      const word = keyword(token);
      return word === undefined || word === 'not';
    }
    return token.kind === 'string' || token.kind === 'number' || token.kind === 'duration' || (token.kind === 'punct' && token.text === '(');
  }

  private parseUnary(): Query {
    if (keyword(this.peek()) === 'not') {
      const token = this.next();
      const item = this.nested(token, () => this.parseUnary());
      return { type: 'not', item };
    }
    return this.parsePrimary();
  }

  /** Parses what `token` (a "(" or "not") opens, refusing nesting deeper than MAX_QUERY_DEPTH. */
  private nested(token: Token, parse: () => Query): Query {
    if (this.depth >= MAX_QUERY_DEPTH) {
      throw this.error(
        token,
        `nests deeper than ${MAX_QUERY_DEPTH} levels of parentheses and "not"`,
        'Remove redundant parentheses; join conditions with and / or instead of nesting them.',
      );
    }
    this.depth += 1;
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private parsePrimary(): Query {
    const token = this.next();
    switch (token.kind) {
      case 'punct':
        if (token.text === '(') {
          if (this.peek().kind === 'punct' && this.peek().text === ')')
            throw this.error(this.peek(), 'empty parentheses', 'Put a condition inside the parentheses, or remove them.');
          const inner = this.nested(token, () => this.parseOr());
          const close = this.peek();
          if (close.kind !== 'punct' || close.text !== ')') {
            throw this.error(close, `expected ")" to close the "(" at column ${token.start + 1}`, 'Add the missing ")" or join conditions with and / or.');
          }
          this.next();
          return inner;
        }
        throw this.error(token, `expected a condition or search term, found ${describe(token)}`, SYNTAX_HINT);
      case 'string':
        if (token.quote === '`') throw this.error(token, 'a backticked name needs a prefix', 'Write metrics.`name`, params.`name` or tags.`name`.');
        return { type: 'text', term: token.value };
      case 'number':
      case 'duration':
        this.bareTerms.push(token);
        return { type: 'text', term: token.text };
      case 'word':
        return this.parseWord(token);
      case 'op':
        throw this.error(token, `expected a field before "${token.text}"`, FIELD_HINT);
      case 'eof':
        throw this.error(token, 'expected a condition or search term', SYNTAX_HINT);
    }
  }

  /** A word starts a condition when a field prefix or an operator says so, otherwise it is a search term. */
  private parseWord(token: Extract<Token, { kind: 'word' }>): Query {
    const word = keyword(token);
    if (word !== undefined) {
      throw this.error(
        token,
        `expected a condition or search term before "${token.text}"`,
        `Quote "${token.text}" to search for the word itself, or complete the condition.`,
      );
    }
    const prefixed = this.prefixedField(token);
    if (prefixed !== undefined) return this.parseCondition(prefixed, true);
    if (!this.atOperator()) {
      this.bareTerms.push(token);
      return { type: 'text', term: token.text };
    }
    const missing = MISSING_ATTRIBUTES[token.text.toLowerCase()];
    if (missing !== undefined) throw this.error(token, `runpages has no "${token.text}"`, `${missing}.`);
    const attribute = this.bareAttribute(token);
    if (attribute !== undefined) return this.parseCondition(attribute, false);
    const dot = token.text.indexOf('.');
    if (dot > 0) throw this.error(token, `unknown field prefix "${token.text.slice(0, dot)}"`, FIELD_HINT);
    throw this.error(token, `unknown field "${token.text}"`, FIELD_HINT);
  }

  private bareAttribute(token: Extract<Token, { kind: 'word' }>): FieldRef | undefined {
    const attribute = attributeNamed(token.text);
    return attribute === undefined ? undefined : { kind: 'attribute', name: attribute };
  }

  /** The prefix of a word that starts with a known one (`metrics` of `metrics.acc`). */
  private prefixedFieldName(token: Extract<Token, { kind: 'word' }>): string | undefined {
    const dot = token.text.indexOf('.');
    return dot > 0 && FIELD_PREFIXES[token.text.slice(0, dot).toLowerCase()] !== undefined ? token.text.slice(0, dot) : undefined;
  }

  /** `metrics.acc`, ``metrics.`val acc` ``, `metrics."val acc"`; undefined when the word has no known prefix. */
  private prefixedField(token: Extract<Token, { kind: 'word' }>): FieldRef | undefined {
    const dot = token.text.indexOf('.');
    if (dot <= 0) return undefined;
    const kind = FIELD_PREFIXES[token.text.slice(0, dot).toLowerCase()];
    if (kind === undefined) return undefined;
    this.structured = true;
    let name = token.text.slice(dot + 1);
    if (name === '') {
      const quoted = this.peek();
      if (quoted.kind !== 'string' || quoted.start !== token.end) {
        throw this.error(
          token.end,
          `expected a name after "${token.text}"`,
          'Write the name right after the dot; put special characters in backticks: metrics.`val acc`.',
        );
      }
      this.next();
      name = quoted.value;
      if (name === '') throw this.error(quoted, 'empty field name', 'Write the field name between the quotes.');
    }
    if (kind === 'dataset') {
      if (!DATASET_KEYS.has(name))
        throw this.error(token, `unknown dataset key "${name}"`, `Datasets are matched by ${[...DATASET_KEYS].join(', ')}: datasets.name = 'cifar10'.`);
      return { kind, name };
    }
    if (kind !== 'attribute') return { kind, name };
    const missing = MISSING_ATTRIBUTES[name.toLowerCase()];
    if (missing !== undefined) throw this.error(token, `runpages has no attribute "${name}"`, `${missing}.`);
    const attribute = attributeNamed(name);
    if (attribute === undefined) throw this.error(token, `unknown attribute "${name}"`, `Attributes are ${ATTRIBUTES.join(', ')}.`);
    return { kind, name: attribute };
  }

  /** True when the next tokens make the previous word a field: an operator, IN, LIKE, NOT IN, NOT LIKE. */
  private atOperator(): boolean {
    const token = this.peek();
    if (token.kind === 'op') return true;
    const word = keyword(token);
    if (word === 'in' || word === 'like' || word === 'ilike' || word === 'is') return true;
    if (word !== 'not') return false;
    const after = keyword(this.peek(1));
    return after === 'in' || after === 'like' || after === 'ilike';
  }

  private parseCondition(field: FieldRef, prefixed: boolean): Query {
    this.structured = true;
    if (!this.atOperator()) {
      if (prefixed) return { type: 'exists', field };
      throw this.error(this.peek(), 'expected an operator', SYNTAX_HINT);
    }
    const token = this.next();
    if (token.kind === 'op') return { type: 'compare', field, op: token.text, value: this.parseValue(field) };
    let word = keyword(token);
    if (word === 'is') {
      // MLflow's `IS NULL` / `IS NOT NULL`: the run lacks, or has, the field.
      const negated = keyword(this.peek()) === 'not';
      if (negated) this.next();
      const nullToken = this.next();
      if (keyword(nullToken) !== 'null')
        throw this.error(
          nullToken,
          `expected NULL after "IS${negated ? ' NOT' : ''}"`,
          `Write ${printField(field)} IS NULL or IS NOT NULL; compare values with = or !=.`,
        );
      const exists: Query = { type: 'exists', field };
      return negated ? exists : { type: 'not', item: exists };
    }
    const negated = word === 'not';
    if (negated) word = keyword(this.next());
    if (word === 'in') return { type: 'in', field, negated, values: this.parseList(field) };
    const pattern = this.next();
    if (pattern.kind !== 'string' || pattern.quote === '`') {
      throw this.error(
        pattern,
        `${word === 'ilike' ? 'ILIKE' : 'LIKE'} needs a quoted pattern`,
        "Write a pattern such as '%resnet%' (% matches any text, _ one character).",
      );
    }
    return { type: 'like', field, pattern: pattern.value, caseInsensitive: word === 'ilike', negated };
  }

  private parseList(field: FieldRef): Literal[] {
    const open = this.next();
    if (open.kind !== 'punct' || open.text !== '(') {
      throw this.error(open, 'expected "(" after IN', "Write a list in parentheses: params.dataset IN ('v2', 'v3').");
    }
    const values = [this.parseValue(field)];
    for (;;) {
      const token = this.next();
      if (token.kind === 'punct' && token.text === ')') return values;
      if (token.kind !== 'punct' || token.text !== ',') {
        throw this.error(
          token,
          `expected "," or ")" in the IN list, found ${describe(token)}`,
          "Separate values with commas and close the list: IN ('v2', 'v3').",
        );
      }
      values.push(this.parseValue(field));
    }
  }

  private parseValue(field: FieldRef): Literal {
    const token = this.next();
    const isDate = field.kind === 'attribute' && DATE_ATTRIBUTES.has(field.name);
    switch (token.kind) {
      case 'number':
        return { type: 'number', value: token.value };
      case 'duration':
        return { type: 'duration', amount: token.amount, unit: token.unit };
      case 'string':
        if (token.quote === '`') break;
        if (isDate && Number.isNaN(Date.parse(token.value))) {
          throw this.error(token, `"${token.value}" is not a date`, `Write dates as '2026-01-31' or '2026-01-31T12:00:00Z', or relative to now as -7d, -12h.`);
        }
        return { type: 'string', value: token.value };
      case 'word': {
        // Bare words are accepted as strings (status = finished) unless they read as something else.
        if (keyword(token) !== undefined) break;
        if (token.text.includes('.') && FIELD_PREFIXES[token.text.slice(0, token.text.indexOf('.')).toLowerCase()] !== undefined) {
          throw this.error(
            token,
            'comparing two fields is not supported',
            "Compare a field with a number or a quoted string: metrics.acc > 0.9, params.dataset = 'v3'.",
          );
        }
        if (isDate) break;
        return { type: 'string', value: token.text };
      }
      default:
        break;
    }
    const example = isDate ? "a date such as '2026-01-31' or -7d" : "a number or a quoted string such as 'v3'";
    throw this.error(token, 'expected a value', `Write ${example} after the operator.`);
  }
}

/** The keyword a mistyped word most likely meant (`NAND` -> and, `LIEK` -> like), if one is close. */
function closestKeyword(word: string): string | undefined {
  const lower = word.toLowerCase();
  let best: { keyword: string; distance: number } | undefined;
  for (const candidate of KEYWORDS) {
    const distance = editDistance(lower, candidate);
    const allowed = candidate.length <= 3 ? 1 : 2;
    if (lower.length >= 3 && distance <= allowed && (best === undefined || distance < best.distance)) best = { keyword: candidate, distance };
  }
  return best?.keyword;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
