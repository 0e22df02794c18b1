/** Who is signed in, as the console shows it and the access table judges it (role only, no secrets). */
import type { Role } from "./roles";

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}
