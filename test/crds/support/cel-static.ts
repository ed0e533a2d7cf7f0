// What the API server does with a CEL rule when a CRD is created, before any object exists:
// compile it against the declared type of the schema node (field references must exist under
// their escaped names, the result must be a bool) and estimate its worst-case cost from the
// declared bounds. The estimate follows cel-go's checker (github.com/google/cel-go
// checker/cost.go, `coster`) with Kubernetes' library estimator
// (k8s.io/apiserver/pkg/cel/library/cost.go, `CostEstimator.EstimateCallCost`) and size
// estimator (k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/compilation.go,
// `sizeEstimator`: a value reached from `self` is as large as its declared MaxElements):
//   - reading a variable or selecting a field costs 1 (`common.SelectAndIdentCost`), a constant 0,
//     creating a list 10, a map 30;
//   - an O(1) function costs 1 plus its arguments;
//   - `==`, `!=` and string comparisons traverse the shorter operand: ceil(0.1 x size);
//   - `startsWith`/`endsWith` traverse the argument, `contains` multiplies both traversals,
//     `matches` costs ceil(0.1 x (size + 1)) x ceil(0.25 x regex length)
//     (`StringTraversalCostFactor` 0.1, `RegexStringLengthCostFactor` 0.25);
//   - string concatenation traverses the result; `x in list` the list;
//   - a comprehension (all, exists, exists_one, map, filter) costs its range, plus for every
//     element of the range (its declared maxItems) the loop condition and step.
// Where cel-go versions differ (the `+ 1` in matches' string cost came later) the larger
// estimate is taken: the model must never pass a rule the server would refuse.
// Unknown functions are compile errors here, so a rule using one makes the test fail until the
// model learns its cost.

import { parse } from '@bufbuild/cel';
import { type DeclType, SCALAR_DECLS, STRING_DECL, listOf } from './cel-decl.js';

type Expr = ReturnType<typeof parse>['expr'];

const SELECT_AND_IDENT_COST = 1;
const CONST_COST = 0;
const LIST_CREATE_BASE_COST = 10;
const MAP_CREATE_BASE_COST = 30;
const STRING_TRAVERSAL_COST_FACTOR = 0.1;
const REGEX_STRING_LENGTH_COST_FACTOR = 0.25;

/** An inclusive range; Infinity stands for cel-go's saturated math.MaxUint64. */
export interface Estimate {
  readonly min: number;
  readonly max: number;
}

const fixed = (n: number): Estimate => ({ min: n, max: n });
const UNKNOWN: Estimate = { min: 0, max: Infinity };
const add = (a: Estimate, b: Estimate): Estimate => ({ min: a.min + b.min, max: a.max + b.max });
const mul = (a: Estimate, b: Estimate): Estimate => ({ min: a.min * b.min, max: a.max === 0 || b.max === 0 ? 0 : a.max * b.max });
const byFactor = (a: Estimate, f: number): Estimate => ({ min: Math.ceil(a.min * f), max: Math.ceil(a.max * f) });
const union = (a: Estimate, b: Estimate): Estimate => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) });
const sum = (xs: readonly Estimate[]): Estimate => xs.reduce(add, fixed(0));

interface Typed {
  readonly type: DeclType;
  readonly cost: Estimate;
  /** CEL size() of the value (string length, list items, map entries). */
  readonly size: Estimate;
}

interface Variable {
  readonly type: DeclType;
  readonly size: Estimate;
}

export interface CompiledRule {
  /** Compile errors, as the API server words them ("undefined field 'namespace'"); empty when it compiles. */
  readonly errors: readonly string[];
  /** cel.EstimateCost(...).Max for one evaluation of the rule. */
  readonly maxCost: number;
  readonly resultKind: DeclType['kind'] | null;
}

/** The size the server assumes for a value of a declared type reached from `self`. */
function declaredSize(t: DeclType): Estimate {
  switch (t.kind) {
    case 'string':
    case 'bytes':
    case 'list':
    case 'map':
    case 'dyn':
      return { min: 0, max: t.maxElements };
    default:
      // cel-go sizes scalars 1; the Kubernetes estimator would say 0. 1 is the larger.
      return fixed(1);
  }
}

function stringType(size: number): DeclType {
  return { ...STRING_DECL, maxElements: size };
}

class RuleChecker {
  readonly errors: string[] = [];
  private readonly scopes: Map<string, Variable>[] = [];

  constructor(self: DeclType, oldSelf: boolean) {
    const vars = new Map<string, Variable>([['self', { type: self, size: declaredSize(self) }]]);
    if (oldSelf) vars.set('oldSelf', { type: self, size: declaredSize(self) });
    this.scopes.push(vars);
  }

  private lookup(name: string): Variable | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]?.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  private fail(message: string): Typed {
    this.errors.push(message);
    return { type: SCALAR_DECLS.dyn, cost: fixed(0), size: UNKNOWN };
  }

  check(e: Expr): Typed {
    const k = e.exprKind;
    switch (k.case) {
      case 'constExpr':
        return this.constant(k.value.constantKind);
      case 'identExpr': {
        const v = this.lookup(k.value.name);
        if (v === undefined) return this.fail(`undeclared reference to '${k.value.name}'`);
        return { type: v.type, cost: fixed(SELECT_AND_IDENT_COST), size: v.size };
      }
      case 'selectExpr':
        return this.select(k.value.operand, k.value.field, k.value.testOnly);
      case 'callExpr':
        return this.call(k.value.function, k.value.target, k.value.args);
      case 'listExpr': {
        const items = k.value.elements.map((x) => this.check(x));
        const elem = items[0]?.type ?? SCALAR_DECLS.dyn;
        const itemSize = items.reduce<Estimate | null>((u, i) => (u === null ? i.size : union(u, i.size)), null) ?? fixed(0);
        return { type: listOf({ ...elem, maxElements: Math.max(elem.maxElements, itemSize.max) }, items.length), cost: add(sum(items.map((i) => i.cost)), fixed(LIST_CREATE_BASE_COST)), size: fixed(items.length) };
      }
      case 'structExpr': {
        if (k.value.messageName !== '') return this.fail(`message construction (${k.value.messageName}) is not available in CRD rules`);
        const entries = k.value.entries.map((en) => {
          if (en.keyKind.case !== 'mapKey') return fixed(0);
          return add(this.check(en.keyKind.value).cost, en.value === undefined ? fixed(0) : this.check(en.value).cost);
        });
        return { type: { kind: 'map', elem: SCALAR_DECLS.dyn, maxElements: entries.length, minSerializedSize: 2 }, cost: add(sum(entries), fixed(MAP_CREATE_BASE_COST)), size: fixed(entries.length) };
      }
      case 'comprehensionExpr':
        return this.comprehension(k.value);
      default:
        return this.fail('an expression the model does not know');
    }
  }

  private constant(c: Extract<Expr['exprKind'], { case: 'constExpr' }>['value']['constantKind']): Typed {
    const cost = fixed(CONST_COST);
    switch (c.case) {
      case 'stringValue': {
        const n = [...c.value].length;
        return { type: stringType(n), cost, size: fixed(n) };
      }
      case 'bytesValue':
        return { type: { kind: 'bytes', maxElements: c.value.length, minSerializedSize: 2 }, cost, size: fixed(c.value.length) };
      case 'int64Value':
        return { type: SCALAR_DECLS.int, cost, size: fixed(1) };
      case 'uint64Value':
        return { type: SCALAR_DECLS.uint, cost, size: fixed(1) };
      case 'doubleValue':
        return { type: SCALAR_DECLS.double, cost, size: fixed(1) };
      case 'boolValue':
        return { type: SCALAR_DECLS.bool, cost, size: fixed(1) };
      case 'nullValue':
        return { type: SCALAR_DECLS.null, cost, size: fixed(1) };
      default:
        return this.fail(`a ${String(c.case)} constant the model does not know`);
    }
  }

  private select(operand: Expr | undefined, field: string, testOnly: boolean): Typed {
    if (operand === undefined) return this.fail('a select without an operand');
    const target = this.check(operand);
    let type: DeclType;
    switch (target.type.kind) {
      case 'object': {
        const f = target.type.fields?.get(field);
        if (f === undefined) return this.fail(`undefined field '${field}'`);
        type = f.type;
        break;
      }
      case 'map':
        type = target.type.elem ?? SCALAR_DECLS.dyn;
        break;
      case 'dyn':
        type = SCALAR_DECLS.dyn;
        break;
      default:
        return this.fail(`type '${target.type.kind}' does not support field selection`);
    }
    // has(x.f) adds the presence test (1) to the operand; a plain select adds 1 on maps and objects.
    if (testOnly) return { type: SCALAR_DECLS.bool, cost: add(target.cost, fixed(SELECT_AND_IDENT_COST)), size: fixed(1) };
    return { type, cost: add(target.cost, fixed(SELECT_AND_IDENT_COST)), size: declaredSize(type) };
  }

  private comprehension(c: Extract<Expr['exprKind'], { case: 'comprehensionExpr' }>['value']): Typed {
    if (c.iterRange === undefined || c.accuInit === undefined || c.loopCondition === undefined || c.loopStep === undefined || c.result === undefined) {
      return this.fail('an incomplete comprehension');
    }
    const range = this.check(c.iterRange);
    const init = this.check(c.accuInit);
    let iterType: DeclType;
    if (range.type.kind === 'list') iterType = range.type.elem ?? SCALAR_DECLS.dyn;
    else if (range.type.kind === 'map') iterType = STRING_DECL;
    else if (range.type.kind === 'dyn') iterType = SCALAR_DECLS.dyn;
    else return this.fail(`expression of type '${range.type.kind}' cannot be range of a comprehension (must be list, map, or dynamic)`);
    const scope = new Map<string, Variable>([
      [c.accuVar, { type: init.type, size: init.size }],
      [c.iterVar, { type: iterType, size: declaredSize(iterType) }],
    ]);
    this.scopes.push(scope);
    const condition = this.check(c.loopCondition);
    const step = this.check(c.loopStep);
    // The accumulator of map() and filter() grows to the range's size.
    const accuType = init.type.kind === 'list' && step.type.kind === 'list' ? listOf(step.type.elem ?? SCALAR_DECLS.dyn, range.size.max) : step.type;
    scope.set(c.accuVar, { type: accuType, size: init.type.kind === 'list' ? range.size : init.size });
    const result = this.check(c.result);
    this.scopes.pop();
    const perElement = add(condition.cost, step.cost);
    return {
      type: result.type,
      cost: add(add(add(range.cost, init.cost), result.cost), mul(range.size, perElement)),
      size: init.type.kind === 'list' ? range.size : result.size,
    };
  }

  private call(fn: string, targetExpr: Expr | undefined, argExprs: readonly Expr[]): Typed {
    const target = targetExpr === undefined ? null : this.check(targetExpr);
    const args = argExprs.map((a) => this.check(a));
    const argCost = add(sum(args.map((a) => a.cost)), target?.cost ?? fixed(0));
    const a0 = args[0];
    const a1 = args[1];
    const result = (type: DeclType, cost: Estimate, size: Estimate = declaredSize(type)): Typed => ({ type, cost: add(cost, argCost), size });
    const o1 = (type: DeclType): Typed => result(type, fixed(1));
    const subject = target ?? a0;
    const isText = (t: Typed | null | undefined): boolean => t !== null && t !== undefined && (t.type.kind === 'string' || t.type.kind === 'bytes');
    switch (fn) {
      case '_&&_':
      case '_||_':
        if (a0 === undefined || a1 === undefined) return this.fail(`${fn} needs two operands`);
        this.expectBool(fn, a0, a1);
        // Short-circuit: the minimum is the left side alone; no call cost of its own.
        return { type: SCALAR_DECLS.bool, cost: { min: a0.cost.min, max: a0.cost.max + a1.cost.max }, size: fixed(1) };
      case '!_':
        if (a0 !== undefined) this.expectBool(fn, a0);
        return o1(SCALAR_DECLS.bool);
      case '@not_strictly_false':
        return o1(SCALAR_DECLS.bool);
      case '_?_:_': {
        const [c, t, f] = args;
        if (c === undefined || t === undefined || f === undefined) return this.fail('?: needs three operands');
        this.expectBool(fn, c);
        return { type: t.type.kind === 'dyn' ? f.type : t.type, cost: add(c.cost, union(t.cost, f.cost)), size: union(t.size, f.size) };
      }
      case '_==_':
      case '_!=_':
        if (a0 === undefined || a1 === undefined) return this.fail(`${fn} needs two operands`);
        return result(SCALAR_DECLS.bool, byFactor({ min: 0, max: Math.min(a0.size.max, a1.size.max) }, STRING_TRAVERSAL_COST_FACTOR), fixed(1));
      case '_<_':
      case '_<=_':
      case '_>_':
      case '_>=_':
        if (a0 === undefined || a1 === undefined) return this.fail(`${fn} needs two operands`);
        if (isText(a0) && isText(a1)) return result(SCALAR_DECLS.bool, byFactor({ min: 0, max: Math.min(a0.size.max, a1.size.max) }, STRING_TRAVERSAL_COST_FACTOR), fixed(1));
        return o1(SCALAR_DECLS.bool);
      case '_+_': {
        if (a0 === undefined || a1 === undefined) return this.fail('+ needs two operands');
        if (isText(a0) && isText(a1)) {
          const size = add(a0.size, a1.size);
          return result({ ...a0.type, maxElements: size.max }, byFactor(size, STRING_TRAVERSAL_COST_FACTOR), size);
        }
        if (a0.type.kind === 'list') {
          const size = add(a0.size, a1.size);
          return result(listOf(a0.type.elem ?? a1.type.elem ?? SCALAR_DECLS.dyn, size.max), fixed(1), size);
        }
        return o1(a0.type);
      }
      case '_-_':
      case '_*_':
      case '_/_':
      case '_%_':
      case '-_':
        return o1(a0?.type ?? SCALAR_DECLS.dyn);
      case '_[_]': {
        if (a0 === undefined) return this.fail('[] needs an operand');
        const elem = a0.type.kind === 'list' || a0.type.kind === 'map' ? (a0.type.elem ?? SCALAR_DECLS.dyn) : SCALAR_DECLS.dyn;
        return o1(elem);
      }
      case '@in':
        if (a1 === undefined) return this.fail('in needs two operands');
        // A list is searched element by element; a map lookup is O(1).
        return result(SCALAR_DECLS.bool, a1.type.kind === 'list' ? a1.size : fixed(1), fixed(1));
      case 'size':
        return o1(SCALAR_DECLS.int);
      case 'startsWith':
      case 'endsWith':
        if (!isText(target) || a0 === undefined) return this.fail(`found no matching overload for '${fn}'`);
        return result(SCALAR_DECLS.bool, byFactor(a0.size, STRING_TRAVERSAL_COST_FACTOR), fixed(1));
      case 'contains':
        if (!isText(target) || target === null || a0 === undefined) return this.fail(`found no matching overload for '${fn}'`);
        return result(SCALAR_DECLS.bool, mul(byFactor(target.size, STRING_TRAVERSAL_COST_FACTOR), byFactor(a0.size, STRING_TRAVERSAL_COST_FACTOR)), fixed(1));
      case 'matches': {
        const [text, regex] = target === null ? [a0, a1] : [target, a0];
        if (!isText(text) || text === undefined || regex === undefined) return this.fail(`found no matching overload for '${fn}'`);
        const strCost = byFactor(add(text.size, fixed(1)), STRING_TRAVERSAL_COST_FACTOR);
        return result(SCALAR_DECLS.bool, mul(strCost, byFactor(regex.size, REGEX_STRING_LENGTH_COST_FACTOR)), fixed(1));
      }
      case 'int':
      case 'uint':
      case 'double':
      case 'bool':
        return o1(SCALAR_DECLS[fn]);
      case 'string':
        return result(STRING_DECL, fixed(1), a0?.size ?? UNKNOWN);
      case 'dyn':
        return { type: SCALAR_DECLS.dyn, cost: add(fixed(1), argCost), size: a0?.size ?? UNKNOWN };
      // Kubernetes' extension libraries (library/cost.go).
      case 'lowerAscii':
      case 'upperAscii':
      case 'trim':
      case 'substring':
        if (!isText(target) || target === null) return this.fail(`found no matching overload for '${fn}'`);
        return result(target.type, byFactor(target.size, STRING_TRAVERSAL_COST_FACTOR), target.size);
      case 'indexOf':
      case 'lastIndexOf':
        if (subject === null || subject === undefined) return this.fail(`found no matching overload for '${fn}'`);
        if (isText(subject)) return result(SCALAR_DECLS.int, byFactor(subject.size, STRING_TRAVERSAL_COST_FACTOR), fixed(1));
        return result(SCALAR_DECLS.int, this.listTraversal(subject), fixed(1));
      case 'isSorted':
      case 'sum':
      case 'min':
      case 'max':
        if (subject === null || subject === undefined || subject.type.kind !== 'list') return this.fail(`found no matching overload for '${fn}'`);
        return result(fn === 'isSorted' ? SCALAR_DECLS.bool : (subject.type.elem ?? SCALAR_DECLS.dyn), this.listTraversal(subject), fixed(1));
      case 'find':
      case 'findAll': {
        if (!isText(target) || target === null || a0 === undefined) return this.fail(`found no matching overload for '${fn}'`);
        const strCost = byFactor(add(target.size, fixed(1)), STRING_TRAVERSAL_COST_FACTOR);
        return result(fn === 'find' ? STRING_DECL : listOf(STRING_DECL, target.size.max), mul(strCost, byFactor(a0.size, REGEX_STRING_LENGTH_COST_FACTOR)), { min: 0, max: target.size.max });
      }
      case 'url':
      case 'isURL':
        if (a0 === undefined) return this.fail(`found no matching overload for '${fn}'`);
        return result(fn === 'isURL' ? SCALAR_DECLS.bool : SCALAR_DECLS.dyn, byFactor(a0.size, STRING_TRAVERSAL_COST_FACTOR), fixed(1));
      default:
        return this.fail(`the cost model does not know the function '${fn}' (add it to test/crds/support/cel-static.ts from library/cost.go or checker/cost.go)`);
    }
  }

  /** One comparison per element, plus a string traversal per element of a list of strings. */
  private listTraversal(list: Typed): Estimate {
    const elem = list.type.elem;
    const perElement = elem !== undefined && (elem.kind === 'string' || elem.kind === 'bytes') ? add(fixed(1), byFactor(declaredSize(elem), STRING_TRAVERSAL_COST_FACTOR)) : fixed(1);
    return mul(list.size, perElement);
  }

  private expectBool(fn: string, ...operands: Typed[]): void {
    for (const o of operands) {
      if (o.type.kind !== 'bool' && o.type.kind !== 'dyn') this.errors.push(`found no matching overload for '${fn}' applied to '${o.type.kind}'`);
    }
  }
}

/** Compiles one rule against the declared type of the node that declares it. */
export function compileRule(rule: string, self: DeclType, expect: 'bool' | 'string' = 'bool'): CompiledRule {
  let expr: Expr;
  try {
    expr = parse(rule).expr;
  } catch (err) {
    return { errors: [`syntax error: ${err instanceof Error ? err.message : String(err)}`], maxCost: 0, resultKind: null };
  }
  const checker = new RuleChecker(self, /\boldSelf\b/.test(rule));
  const typed = checker.check(expr);
  const errors = [...new Set(checker.errors)];
  if (errors.length === 0 && typed.type.kind !== expect && typed.type.kind !== 'dyn') {
    errors.push(expect === 'bool' ? 'cel expression must evaluate to a bool' : 'messageExpression must evaluate to a string');
  }
  return { errors, maxCost: typed.cost.max, resultKind: typed.type.kind };
}
