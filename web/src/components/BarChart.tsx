// A horizontal bar chart (Chart.js) with its numbers in a table beside it,
// in the Okabe-Ito colour-blind-safe palette; follows the colour scheme.
import { useEffect, useRef } from "react";
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"];

export interface Bar {
  label: string;
  value: number;
  /** The value as the table shows it. */
  text: string;
}

export function BarChart({ title, unit, bars }: { title: string; unit: string; bars: Bar[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    if (!canvas.current || bars.length === 0) return;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue("--fg").trim() || "#1a1a1a";
    const grid = css.getPropertyValue("--line").trim() || "#ccc";
    const chart = new Chart(canvas.current, {
      type: "bar",
      data: {
        labels: bars.map((b) => b.label),
        datasets: [
          {
            label: unit,
            data: bars.map((b) => b.value),
            backgroundColor: bars.map((_, i) => PALETTE[i % PALETTE.length]!),
          },
        ],
      },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        plugins: { legend: { display: false } },
        scales: {
          x: {
            ticks: { color: fg, precision: unit === "Lines" ? 0 : 1 },
            grid: { color: grid },
            beginAtZero: true,
          },
          y: { ticks: { color: fg }, grid: { display: false } },
        },
      },
    });
    return () => chart.destroy();
  }, [bars, unit]);

  const height = `chart-h${Math.min(bars.length, 12)}`;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {bars.length === 0 ? (
        <p className="muted">Nothing to show.</p>
      ) : (
        <>
          <div className={`chart-box ${height}`}>
            <canvas
              ref={canvas}
              role="img"
              aria-label={`${title}: ${bars.map((b) => `${b.label} ${b.text}`).join(", ")}`}
            />
          </div>
          <table className="chart-table">
            <thead>
              <tr>
                <th scope="col">Language</th>
                <th scope="col">{unit}</th>
              </tr>
            </thead>
            <tbody>
              {bars.map((b) => (
                <tr key={b.label}>
                  <th scope="row">{b.label}</th>
                  <td>{b.text}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </figure>
  );
}
