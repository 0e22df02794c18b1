/** The signed-in user's own account: who am I, sign out everywhere. */
import { procedure, router } from "../trpc";

export const accountRouter = router({
  me: procedure.query(({ ctx }) => ctx.user),
  signOutEverywhere: procedure.mutation(({ ctx }) => ctx.users.signOutEverywhere(ctx.user)),
});
