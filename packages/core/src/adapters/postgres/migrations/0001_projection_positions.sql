-- The last stream version each projection applied, per stream. A projector updates it in
-- the same transaction as its read-model writes, which makes redelivery harmless.
CREATE TABLE projection_positions (
  projection text NOT NULL,
  stream_id text NOT NULL,
  version integer NOT NULL CHECK (version >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, stream_id)
);
