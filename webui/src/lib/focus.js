/** v-focus: focuses an element when it appears (autofocus only works on page load). */
export const vFocus = { mounted: (el) => el.focus() }
