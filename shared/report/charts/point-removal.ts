// Point-removal curve (Ghorbani & Zou, ICML 2019, "Data Shapley", §4.2): retrain after removing
// the lowest- or highest-valued fraction of training data and watch NDCG@10. A useful value
// keeps quality when the lowest go and loses it fastest when the highest go; random is the bar.
import type { TopLevelSpec } from 'vega-lite';
import type { RemovalPointT } from '../input';
import { chartConfig, COLORS } from './theme';

export type RemovalOrder = RemovalPointT['order'];
const ORDERS: readonly RemovalOrder[] = ['lowest', 'highest', 'random'];

export interface RemovalRow {
  method: string;
  order: RemovalOrder;
  orderLabel: string;
  fractionRemoved: number;
  ndcg10: number;
}

const ORDER_LABEL: Record<RemovalOrder, string> = {
  lowest: 'lowest value first',
  highest: 'highest value first',
  random: 'random',
};

/** Points of each (method, order) curve, sorted by fraction removed so lines draw left to right. */
export function removalRows(points: readonly RemovalPointT[]): RemovalRow[] {
  const methods = [...new Set(points.map((p) => p.method))];
  return points
    .map((p) => ({ method: p.method, order: p.order, orderLabel: ORDER_LABEL[p.order], fractionRemoved: p.fractionRemoved, ndcg10: p.ndcg10 }))
    .sort(
      (a, b) =>
        methods.indexOf(a.method) - methods.indexOf(b.method) ||
        ORDERS.indexOf(a.order) - ORDERS.indexOf(b.order) ||
        a.fractionRemoved - b.fractionRemoved,
    );
}

export function removalSpec(rows: readonly RemovalRow[]): TopLevelSpec {
  const methods = [...new Set(rows.map((r) => r.method))];
  const orders = ORDERS.filter((o) => rows.some((r) => r.order === o));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    config: chartConfig,
    data: { values: [...rows] },
    facet: { column: { field: 'method', type: 'nominal', title: null, sort: methods, header: { labelFontSize: 13 } } },
    spec: {
      width: 300,
      height: 220,
      mark: { type: 'line', point: { size: 28 }, strokeWidth: 2 },
      encoding: {
        x: { field: 'fractionRemoved', type: 'quantitative', title: 'fraction of training data removed', axis: { format: '.0%' } },
        y: { field: 'ndcg10', type: 'quantitative', title: 'NDCG@10', scale: { zero: false }, axis: { format: '.3f' } },
        color: {
          field: 'orderLabel',
          type: 'nominal',
          title: 'removed',
          scale: { domain: orders.map((o) => ORDER_LABEL[o]), range: orders.map((o) => COLORS[o]) },
        },
        detail: { field: 'order' },
      },
    },
  };
}
