/**
 * The MIME functions IMAP uses (ENVELOPE, BODYSTRUCTURE, section bytes, decoded headers and text for
 * SEARCH), all from store/mime.ts: one parsed tree per message, cached, shared with nothing else.
 * FETCH and SEARCH import them from here so the one seam to the MIME side is visible.
 */
export { bodySection, bodyStructure, bodyText, envelope, headerValues } from '../../store/mime.js';
