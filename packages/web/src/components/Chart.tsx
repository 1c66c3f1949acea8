/** A chart.js chart bound to a canvas; re-drawn when its config changes, destroyed with the component. */
import { type ChartConfiguration, Chart as ChartJs, registerables } from "chart.js";
import { createEffect, onCleanup } from "solid-js";

ChartJs.register(...registerables);

export function Chart(props: { config: ChartConfiguration; label: string }) {
  let canvas!: HTMLCanvasElement;
  let chart: ChartJs | undefined;
  createEffect(() => {
    chart?.destroy();
    chart = new ChartJs(canvas, { ...props.config, options: { animation: false, ...props.config.options } });
  });
  onCleanup(() => chart?.destroy());
  return (
    <div style={{ position: "relative", height: "260px" }}>
      <canvas ref={canvas} role="img" aria-label={props.label} />
    </div>
  );
}
