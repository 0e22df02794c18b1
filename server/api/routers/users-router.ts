/** Users and roles (administrators): list, create, change role, request a deciding role (two-person), disable or enable. */
import { z } from "zod";
import { safeText } from "../../domain/validation/safe-text";
import { ROLES } from "../../domain/access/roles";
import { MIN_PASSWORD_LENGTH } from "../../auth/auth";
import { roleGrantTarget } from "../../approvals/role-grant-kind";
import { GRANTED_BY_APPROVAL } from "../../users/user-service";
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
  create: procedure.input(ZUserCreateInputSchema).mutation(({ ctx, input }) => ctx.users.create(input, { actor: ctx.actor, userId: ctx.user.id })),
  /** Officer and admin are granted by two administrators: this raises the ROLE_GRANT request a second one decides. */
  requestRole: procedure
    .input(z.object({
      userId: ZUserId,
      role: z.enum(GRANTED_BY_APPROVAL, { message: "role must be officer or admin (lower roles are set directly)" }),
      justification: safeText().trim().min(10, "justification: at least 10 characters, saying why").max(1000, "justification: at most 1000 characters"),
    }))
    .mutation(({ ctx, input }) => ctx.approvals.request({ kind: "ROLE_GRANT", targetId: roleGrantTarget(input.role, input.userId), justification: input.justification }, ctx.user)),
  setRole: procedure
    .input(z.object({ userId: ZUserId, role: z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` }) }))
    .mutation(({ ctx, input }) => ctx.users.setRole(input.userId, input.role, { actor: ctx.actor, userId: ctx.user.id })),
  setDisabled: procedure
    .input(z.object({ userId: ZUserId, disabled: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.users.setDisabled(input.userId, input.disabled, { actor: ctx.actor, userId: ctx.user.id })),
});
