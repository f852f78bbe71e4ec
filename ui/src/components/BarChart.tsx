// Bar charts drawn by Chart.js on a canvas. Chart.js is one of the few chart libraries that loads
// and draws under the window's frozen built-in prototypes (Tauri's `freezePrototype`): recharts
// throws at load there. A canvas says nothing to assistive technology, so each chart's figure
// caption says what it shows, and the pages keep the figures in text beside it.
import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export type BarSeries = { label: string; values: number[]; color: string };

export function BarChart(props: {
  labels: string[];
  series: BarSeries[];
  /** Bars along the y axis (the funnel) instead of standing up (a trend). */
  horizontal?: boolean;
  /** What the chart shows, for screen readers. */
  label: string;
  height: number;
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { labels, series, horizontal = false } = props;
  // Redrawn only when what it shows changes (the arrays are new on every render).
  const shown = JSON.stringify([labels, series, horizontal]);
  useEffect(() => {
    if (!canvas.current) return;
    const [names, bars, sideways] = JSON.parse(shown) as [string[], BarSeries[], boolean];
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: names,
        datasets: bars.map((s) => ({ label: s.label, data: s.values, backgroundColor: s.color, borderRadius: 4 })),
      },
      options: {
        indexAxis: sideways ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: bars.length > 1, position: "bottom", labels: { boxWidth: 10 } } },
        scales: {
          x: { grid: { display: !sideways }, ticks: { precision: 0 }, beginAtZero: true },
          y: { grid: { display: sideways }, ticks: { precision: 0 }, beginAtZero: true },
        },
      },
    });
    return () => chart.destroy();
  }, [shown]);
  return (
    <figure className="relative m-0" style={{ height: props.height }}>
      <canvas ref={canvas} aria-hidden data-testid={props.testId} />
      <figcaption className="sr-only">{props.label}</figcaption>
    </figure>
  );
}

export default BarChart;
