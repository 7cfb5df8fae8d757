export * from './dso.ts';
export * from './graph.ts';
export * from './mode.ts';
export * from './call.ts';
export * from './observation.ts';
export * from './state.ts';
