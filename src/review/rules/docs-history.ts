/**
 * The schema most rule examples run against: what earlier migrations of a small shop created. Examples
 * that touch these tables touch existing tables with rows, which is what makes them risky.
 */
export const SHOP = `
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped');
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  user_id bigint NOT NULL,
  status order_status NOT NULL DEFAULT 'pending',
  total integer NOT NULL,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_idx ON orders (user_id);
`;
