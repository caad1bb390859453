// Sends without a template form one templates row with this id (contract
// section 5); instrumentEmail refuses it as a real template id.
export const AD_HOC_TEMPLATE_ID = 'ad-hoc';
