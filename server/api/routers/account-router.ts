/** The signed-in user's own account: who am I, sign out everywhere, the state of my second factor. */
import { needsSecondFactor, stepUpValidUntil } from "../../auth/second-factor";
import { procedure, router } from "../trpc";

export const accountRouter = router({
  me: procedure.query(({ ctx }) => ctx.user),
  signOutEverywhere: procedure.mutation(({ ctx }) => ctx.users.signOutEverywhere(ctx.user)),
  /** Whether this console asks me for a second factor, whether I enrolled one, and until when my last proof counts for step-up. */
  secondFactor: procedure.query(({ ctx }) => ({
    required: needsSecondFactor(ctx.user.role, ctx.secondFactor),
    enrolled: ctx.secondFactor.enrolled,
    provenAt: ctx.secondFactor.provenAt,
    stepUpValidUntil: stepUpValidUntil(ctx.secondFactor),
  })),
});
