/** A coloured, text-labelled status (the colour is decoration; the word carries the meaning). */
export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status}</span>;
}
