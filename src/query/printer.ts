/**
 * Prints a syntax tree as canonical query text: `parseQuery(printQuery(q))` equals `q`. Used to put
 * queries in URLs and to show users what was understood.
 */
import { CANONICAL_PREFIX, KEYWORDS, type FieldRef, type Literal, type Query } from './ast.ts';
import { isWordChar, isWordStart } from './tokenizer.ts';

/**
 * Canonical text of a query. Example:
 * `printQuery({ type: 'compare', field: { kind: 'metric', name: 'val/acc' }, op: '>', value: { type: 'number', value: 0.9 } })`
 * gives `metrics.val/acc > 0.9`.
 */
export function printQuery(query: Query): string {
  // Among conditions a bare word is an error (a mistyped keyword), so search terms there are quoted.
  return print(query, hasCondition(query));
}

function hasCondition(query: Query): boolean {
  switch (query.type) {
    case 'all':
    case 'text':
      return false;
    case 'and':
    case 'or':
      return query.items.some(hasCondition);
    case 'not':
      return hasCondition(query.item);
    default:
      return true;
  }
}

function print(query: Query, quoteTerms: boolean): string {
  const group = (item: Query, parenthesise: boolean): string => (parenthesise ? `(${print(item, quoteTerms)})` : print(item, quoteTerms));
  switch (query.type) {
    case 'all':
      return '';
    case 'and':
      return query.items.map((item) => group(item, item.type === 'and' || item.type === 'or')).join(' and ');
    case 'or':
      return query.items.map((item) => group(item, item.type === 'or')).join(' or ');
    case 'not':
      return `not ${group(query.item, query.item.type === 'and' || query.item.type === 'or')}`;
    case 'compare':
      return `${printField(query.field)} ${query.op} ${printLiteral(query.value)}`;
    case 'in':
      return `${printField(query.field)} ${query.negated ? 'NOT IN' : 'IN'} (${query.values.map(printLiteral).join(', ')})`;
    case 'like':
      return `${printField(query.field)} ${query.negated ? 'NOT ' : ''}${query.caseInsensitive ? 'ILIKE' : 'LIKE'} ${quoteString(query.pattern)}`;
    case 'exists':
      // A bare attribute alone would read as a search word.
      return query.field.kind === 'attribute' ? `attributes.${query.field.name}` : printField(query.field);
    case 'text':
      return isPlainWord(query.term) && !quoteTerms ? query.term : quoteString(query.term);
  }
}

/** A field as a query writes it: `status`, `metrics.val/acc`, ``params.`learning rate` ``. */
export function printField(field: FieldRef): string {
  if (field.kind === 'attribute') return field.name;
  const plain = field.name !== '' && [...field.name].every(isWordChar);
  return `${CANONICAL_PREFIX[field.kind]}.${plain ? field.name : `\`${field.name.replaceAll('`', '``')}\``}`;
}

function printLiteral(literal: Literal): string {
  switch (literal.type) {
    case 'number':
      return printNumber(literal.value);
    case 'string':
      return quoteString(literal.value);
    case 'duration':
      return `${printNumber(literal.amount)}${literal.unit}`;
  }
}

function printNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

function quoteString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** A search term that reads back as the same bare word (no dots: those could be field prefixes). */
function isPlainWord(term: string): boolean {
  const chars = [...term];
  return chars.length > 0 && isWordStart(chars[0] as string) && chars.every((char) => char !== '.' && isWordChar(char)) && !KEYWORDS.has(term.toLowerCase());
}
