/** The console opens on the mesh. */
import { redirect } from "next/navigation";

export default function HomePage() {
  redirect("/mesh");
}
