/** Local IAM: the evaluator, what each operation needs, and the edge's enforcement. */
export * from './evaluator';
export * from './operations';
export * from './enforcer';
