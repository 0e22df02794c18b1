/** Sign-in security: enrol and manage the second factor (the enrolment form follows in the next commit). */
export default function AccountSecurityPage() {
  return null;
}
