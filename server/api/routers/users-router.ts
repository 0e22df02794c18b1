/** Users and roles (administrators): list, create, change role, disable or enable. */
import { z } from "zod";
import { safeText } from "../../validation/safe-text";
import { ROLES } from "../../access/roles";
import { MIN_PASSWORD_LENGTH } from "../../auth/auth";
import { procedure, router } from "../trpc";

const ZUserId = safeText().trim().min(1).max(64);
export const ZUserCreateInputSchema = z.object({
  email: z.email({ message: "must be an email address" }).max(254).transform((v) => v.toLowerCase()),
  name: safeText().trim().min(2, "name: at least 2 characters").max(80, "name: at most 80 characters"),
  role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` }),
  password: safeText().min(MIN_PASSWORD_LENGTH, `password: at least ${MIN_PASSWORD_LENGTH} characters`).max(128, "password: at most 128 characters"),
});

export const usersRouter = router({
  list: procedure.query(({ ctx }) => ctx.users.list()),
  create: procedure.input(ZUserCreateInputSchema).mutation(({ ctx, input }) => ctx.users.create(input, ctx)),
  setRole: procedure
    .input(z.object({ userId: ZUserId, role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` }) }))
    .mutation(({ ctx, input }) => ctx.users.setRole(input.userId, input.role, { actor: ctx.actor, userId: ctx.user.id })),
  setDisabled: procedure
    .input(z.object({ userId: ZUserId, disabled: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.users.setDisabled(input.userId, input.disabled, { actor: ctx.actor, userId: ctx.user.id })),
});
